package dev.resizelet.core.store;

import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The payload of a pod's checkpoint, a small line format chosen over JSON because restoring 10,000
 * pods parses 10,000 payloads (a tree-model JSON parse per file dominated restore time):
 * <pre>
 * uid 5f1c...
 * generation 3
 * container app
 * request cpu 500m
 * limit memory 1Gi
 * pod-request cpu 1
 * pod-limit cpu 2
 * </pre>
 * {@code pod-request} and {@code pod-limit} lines hold the pod-level resources ({@code spec.resources}); records
 * written before they existed have none and read as a pod without pod-level resources.
 * Names are safe tokens (pod UIDs and container names contain no whitespace); quantities are in
 * Kubernetes' text form.
 */
final class PodResourcesCodec {

    private PodResourcesCodec() {
    }

    /**
     * The binary form (what the journal writes since the text form above was retired from writing): uid,
     * generation, the containers as a count and (name, requests, limits), then the pod-level requests and limits
     * ({@link BinaryOut#writeResources}).
     */
    static void writeBinary(BinaryOut out, PodResources r) {
        out.writeString(r.uid().value()).writeLong(r.generation()).writeInt(r.containers().size());
        r.containers().forEach((name, req) -> out.writeString(name).writeResources(req));
        out.writeResources(r.pod());
    }

    /** Reads {@link #writeBinary}'s form; damage throws {@link StoreException.Corrupt} naming {@code file}. */
    static PodResources readBinary(Path file, byte[] record, int offset) {
        try {
            BinaryIn in = new BinaryIn(record, offset);
            PodUid uid = PodUid.of(in.readText());
            long generation = in.readLong();
            int n = in.count();
            Map<String, ResourceRequirements> containers = new HashMap<>(n * 2);
            for (int i = 0; i < n; i++) {
                containers.put(in.readText(), in.readResources());
            }
            ResourceRequirements pod = in.readResources();
            if (!in.atEnd()) {
                throw new IllegalArgumentException("bytes left after the record of pod " + uid.value());
            }
            return new PodResources(uid, generation, containers, pod);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new StoreException.Corrupt("resize state log " + file + " has a record that cannot be read ("
                    + e.getMessage() + "); restore it from a backup, or move it away to let resizelet re-admit every "
                    + "pod from its spec");
        }
    }

    static byte[] write(PodResources r) {
        StringBuilder b = new StringBuilder(128);
        b.append("uid ").append(r.uid().value()).append('\n');
        b.append("generation ").append(r.generation()).append('\n');
        r.containers().forEach((name, req) -> {
            b.append("container ").append(name).append('\n');
            req.requests().forEach((k, v) -> b.append("request ").append(k).append(' ').append(v).append('\n'));
            req.limits().forEach((k, v) -> b.append("limit ").append(k).append(' ').append(v).append('\n'));
        });
        r.pod().requests().forEach((k, v) -> b.append("pod-request ").append(k).append(' ').append(v).append('\n'));
        r.pod().limits().forEach((k, v) -> b.append("pod-limit ").append(k).append(' ').append(v).append('\n'));
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    static PodResources read(Path file, byte[] payload) {
        try {
            String uid = null;
            long generation = -1;
            Map<String, ResourceRequirements> containers = new HashMap<>();
            String current = null;
            Map<String, Quantity> requests = new HashMap<>();
            Map<String, Quantity> limits = new HashMap<>();
            Map<String, Quantity> podRequests = new HashMap<>();
            Map<String, Quantity> podLimits = new HashMap<>();
            for (String line : new String(payload, StandardCharsets.UTF_8).split("\n")) {
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "uid" -> uid = field(f, 2)[1];
                    case "generation" -> generation = Long.parseLong(field(f, 2)[1]);
                    case "container" -> {
                        if (current != null) {
                            containers.put(current, new ResourceRequirements(requests, limits));
                        }
                        current = field(f, 2)[1];
                        requests = new HashMap<>();
                        limits = new HashMap<>();
                    }
                    case "request", "limit" -> {
                        if (current == null) {
                            throw new IllegalArgumentException("resource before any container");
                        }
                        (f[0].equals("request") ? requests : limits).put(field(f, 3)[1], Quantity.parse(f[2]));
                    }
                    case "pod-request", "pod-limit" ->
                        (f[0].equals("pod-request") ? podRequests : podLimits).put(field(f, 3)[1], Quantity.parse(f[2]));
                    default -> throw new IllegalArgumentException("unknown line \"" + line + "\"");
                }
            }
            if (current != null) {
                containers.put(current, new ResourceRequirements(requests, limits));
            }
            if (uid == null || generation < 0) {
                throw new IllegalArgumentException("uid or generation missing");
            }
            return new PodResources(PodUid.of(uid), generation, containers,
                    new ResourceRequirements(podRequests, podLimits));
        } catch (IllegalArgumentException e) {
            throw new StoreException.Corrupt("resize state log " + file + " has a record that cannot be read (" + e.getMessage() + "); restore it from a backup, or move it away to let resizelet re-admit every pod from its spec");
        }
    }

    private static String[] field(String[] f, int n) {
        if (f.length != n) {
            throw new IllegalArgumentException("expected " + n + " fields in \"" + String.join(" ", f) + "\"");
        }
        return f;
    }
}
