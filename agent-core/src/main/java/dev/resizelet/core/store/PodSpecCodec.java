package dev.resizelet.core.store;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResizeRestartPolicy;
import dev.resizelet.core.model.ResourceRequirements;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The durable form of a desired pod spec: a compact binary encoding of the model records (format byte
 * {@value #FORMAT}, then every field in declaration order; strings as length and UTF-8, quantities in their canonical
 * Kubernetes text). A start decodes every stored spec, and at 10,000 pods a reflective JSON decode of each took most of
 * a restart (seconds in a cold JVM); this one is a straight read. Specs written by earlier releases as JSON (they
 * begin with <code>{</code>) are still read; the store rewrites them in this format at the next start
 * ({@link #isCurrent}). Layout (docs/state-core.md):
 * <pre>
 * pod       = 0x02 namespace name uid generation:long priority:int annotations:map initContainers:list(container)
 *             containers:list(container) labels:map restartPolicy grace:(0 | 1 long) podResources:resources
 * container = name image command:list(string) resources resizePolicy:map(resource, policy) restartPolicy? args:list(string)
 * resources = requests:map(name, quantity) limits:map(name, quantity)
 * </pre>
 */
public final class PodSpecCodec implements StoreCodec<Pod> {
    /** The first byte of a binary spec; a JSON spec begins with '{' (0x7b). */
    static final int FORMAT = 0x02;

    @Override
    public byte[] encode(Pod pod) {
        BinaryOut out = new BinaryOut(256);
        out.writeByte(FORMAT)
                .writeString(pod.namespace())
                .writeString(pod.name())
                .writeString(pod.uid().value())
                .writeLong(pod.generation())
                .writeInt(pod.priority())
                .writeStringMap(pod.annotations());
        writeContainers(out, pod.initContainers());
        writeContainers(out, pod.containers());
        out.writeStringMap(pod.labels()).writeString(pod.restartPolicy());
        Long grace = pod.terminationGracePeriodSeconds();
        if (grace == null) {
            out.writeByte(0);
        } else {
            out.writeByte(1).writeLong(grace);
        }
        return out.writeResources(pod.podResources()).toByteArray();
    }

    @Override
    public Pod decode(byte[] bytes) {
        if (bytes.length > 0 && bytes[0] == '{') {
            return LegacyJson.decode(bytes);
        }
        if (bytes.length == 0 || bytes[0] != FORMAT) {
            throw new IllegalArgumentException("not a stored pod spec (format byte "
                    + (bytes.length == 0 ? "missing" : Integer.toString(bytes[0] & 0xff)) + ", expected " + FORMAT
                    + "): written by a newer resizelet, or damaged");
        }
        BinaryIn in = new BinaryIn(bytes, 1);
        String namespace = in.readText();
        String name = in.readText();
        PodUid uid = PodUid.of(in.readText());
        long generation = in.readLong();
        int priority = in.readInt();
        Map<String, String> annotations = in.readStringMap();
        List<Container> init = readContainers(in);
        List<Container> containers = readContainers(in);
        Map<String, String> labels = in.readStringMap();
        String restartPolicy = in.readText();
        Long grace = switch (in.readByte()) {
            case 0 -> null;
            case 1 -> in.readLong();
            default -> throw new IllegalArgumentException("bad terminationGracePeriodSeconds marker");
        };
        ResourceRequirements podResources = in.readResources();
        if (!in.atEnd()) {
            throw new IllegalArgumentException("bytes left after the spec of pod " + namespace + "/" + name);
        }
        return new Pod(namespace, name, uid, generation, priority, annotations, init, containers, labels,
                restartPolicy, grace, podResources);
    }

    /** Whether {@code bytes} are in this release's format; a store rewrites older records at start. */
    @Override
    public boolean isCurrent(byte[] bytes) {
        return bytes.length > 0 && bytes[0] == FORMAT;
    }

    private static void writeContainers(BinaryOut out, List<Container> containers) {
        out.writeInt(containers.size());
        for (Container c : containers) {
            out.writeString(c.name()).writeString(c.image()).writeStrings(c.command()).writeResources(c.resources());
            out.writeInt(c.resizePolicy().size());
            c.resizePolicy().forEach((resource, policy) -> out.writeString(resource).writeString(policy.wireName()));
            out.writeString(c.restartPolicy()).writeStrings(c.args());
        }
    }

    private static List<Container> readContainers(BinaryIn in) {
        int n = in.count();
        List<Container> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String name = in.readText();
            String image = in.readText();
            List<String> command = in.readStrings();
            ResourceRequirements resources = in.readResources();
            int policies = in.count();
            Map<String, ResizeRestartPolicy> resizePolicy = policies == 0 ? Map.of() : new HashMap<>();
            for (int p = 0; p < policies; p++) {
                resizePolicy.put(in.readText(), ResizeRestartPolicy.fromWireName(in.readText()));
            }
            String restartPolicy = in.readString();
            List<String> args = in.readStrings();
            out.add(new Container(name, image, command, resources, resizePolicy, restartPolicy, args));
        }
        return out;
    }

    /**
     * Specs as releases before the binary format wrote them: JSON of the model records (record components, quantities
     * as text). Built on first use, so a start over current records never loads the JSON machinery.
     */
    private static final class LegacyJson {
        private static final ObjectMapper MAPPER = new ObjectMapper()
                .registerModule(new SimpleModule("resizelet-model")
                        .addDeserializer(Quantity.class, new JsonDeserializer<>() {
                            @Override
                            public Quantity deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                                return Quantity.parse(p.getValueAsString());
                            }
                        })
                        .addDeserializer(PodUid.class, new JsonDeserializer<>() {
                            @Override
                            public PodUid deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                                return PodUid.of(p.getValueAsString());
                            }
                        }))
                .setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
                .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

        static Pod decode(byte[] bytes) {
            try {
                return MAPPER.readValue(bytes, Pod.class);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot decode a stored pod spec: " + e.getMessage(), e);
            }
        }
    }
}
