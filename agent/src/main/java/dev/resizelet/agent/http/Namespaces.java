package dev.resizelet.agent.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A minimal {@code namespaces} resource (cluster-scoped core/v1 Namespace): create, get, list, delete, with the
 * apiserver's built-in namespaces ({@code default}, {@code kube-system}, {@code kube-public},
 * {@code kube-node-lease}) always there and undeletable as upstream. Kept in memory: namespaces made here last as
 * long as the daemon. Bodies come as JSON/YAML ({@code kubectl create -f}) or as Kubernetes protobuf
 * ({@code kubectl create namespace NAME} sends {@code application/vnd.kubernetes.protobuf}), of which the
 * {@code metadata} name, generateName, labels and annotations are read.
 */
public final class Namespaces {
    /** The apiserver's system namespaces, which exist from the start and may not be deleted. */
    public static final List<String> BUILT_IN = List.of("default", "kube-node-lease", "kube-public", "kube-system");
    private static final Set<String> UNDELETABLE = Set.of("default", "kube-system", "kube-public");
    static final String PROTOBUF = "application/vnd.kubernetes.protobuf";
    private static final byte[] PROTOBUF_MAGIC = {'k', '8', 's', 0};

    private final ObjectMapper json;
    private final Clock clock;
    private final ConcurrentSkipListMap<String, ObjectNode> items = new ConcurrentSkipListMap<>();
    private final AtomicLong resourceVersion = new AtomicLong();

    public Namespaces(ObjectMapper json, Clock clock) {
        this.json = json;
        this.clock = clock;
        for (String name : BUILT_IN) {
            ObjectNode ns = json.createObjectNode();
            ns.putObject("metadata").put("name", name);
            store(ns);
        }
    }

    public boolean exists(String name) {
        return items.containsKey(name);
    }

    public ObjectNode get(String name) {
        ObjectNode ns = items.get(name);
        if (ns == null) {
            throw ApiException.notFound("namespaces", name);
        }
        return ns.deepCopy();
    }

    /** {@code NamespaceList} of those that match, with the current resourceVersion. */
    public ObjectNode list(Predicate<JsonNode> filter) {
        ObjectNode out = json.createObjectNode();
        out.put("kind", "NamespaceList").put("apiVersion", "v1");
        out.putObject("metadata").put("resourceVersion", Long.toString(resourceVersion.get()));
        ArrayNode array = out.putArray("items");
        items.values().stream().filter(filter).forEach(ns -> array.add(ns.deepCopy()));
        return out;
    }

    /** Creates a namespace from a (checked) body; {@code dryRun} answers what would be created and keeps nothing. */
    public synchronized ObjectNode create(ObjectNode body, boolean dryRun) {
        String kind = body.path("kind").asText("");
        String apiVersion = body.path("apiVersion").asText("");
        if (!kind.isEmpty() && !kind.equals("Namespace")) {
            throw ApiException.badRequest("the object provided is unrecognized (must be of type Namespace): kind \"" + kind + "\"");
        }
        if (!apiVersion.isEmpty() && !apiVersion.equals("v1")) {
            throw ApiException.badRequest("the API version in the data (" + apiVersion
                    + ") does not match the expected API version (v1)");
        }
        JsonNode meta = body.path("metadata");
        String name = meta.path("name").asText("");
        if (name.isEmpty() && meta.hasNonNull("generateName")) {
            name = meta.get("generateName").asText() + suffix();
        }
        List<ApiException.Cause> causes = new ArrayList<>();
        if (name.isEmpty()) {
            causes.add(new ApiException.Cause("FieldValueRequired", "Required value: name or generateName is required",
                    "metadata.name"));
        } else {
            for (String m : NameRules.namespace(name)) {
                causes.add(new ApiException.Cause("FieldValueInvalid", "Invalid value: " + LabelRules.quote(name) + ": " + m,
                        "metadata.name"));
            }
        }
        Map<String, String> labels = LabelRules.read(meta.path("labels"), "metadata.labels", causes);
        if (!causes.isEmpty()) {
            throw ApiException.invalid("Namespace", name, causes);
        }
        if (items.containsKey(name)) {
            throw ApiException.alreadyExists("namespaces", name);
        }
        ObjectNode ns = json.createObjectNode();
        ObjectNode m = ns.putObject("metadata");
        m.put("name", name);
        labels.forEach((k, v) -> m.with("labels").put(k, v));
        Iterator<Map.Entry<String, JsonNode>> annotations = meta.path("annotations").fields();
        annotations.forEachRemaining(e -> m.with("annotations").put(e.getKey(), e.getValue().asText()));
        return dryRun ? complete(ns, resourceVersion.get() + 1) : store(ns);
    }

    /** Deletes a namespace (the caller removes its pods); the built-in ones are refused as the apiserver does. */
    public synchronized ObjectNode delete(String name, boolean dryRun) {
        ObjectNode ns = get(name);
        if (UNDELETABLE.contains(name)) {
            throw new ApiException(403, "Forbidden", "namespaces \"" + name + "\" is forbidden: this namespace may not be deleted",
                    "namespaces", name, List.of());
        }
        ns.with("status").put("phase", "Terminating");
        ns.with("metadata").put("deletionTimestamp", timestamp());
        if (!dryRun) {
            items.remove(name);
            resourceVersion.incrementAndGet();
        }
        return ns;
    }

    /** The {@code meta.k8s.io/v1 Table} of namespaces with the apiserver's columns: NAME, STATUS, AGE. */
    public ObjectNode table(List<JsonNode> namespaces, PodTable ages, PodTable.Include include) {
        ObjectNode table = json.createObjectNode();
        table.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        table.putObject("metadata").put("resourceVersion", Long.toString(resourceVersion.get()));
        ArrayNode columns = table.putArray("columnDefinitions");
        columns.addObject().put("name", "Name").put("type", "string").put("format", "name")
                .put("description", "Name must be unique within a namespace.").put("priority", 0);
        columns.addObject().put("name", "Status").put("type", "string").put("format", "")
                .put("description", "The status of the namespace").put("priority", 0);
        columns.addObject().put("name", "Age").put("type", "string").put("format", "")
                .put("description", "CreationTimestamp is a timestamp representing the server time when this object was created.")
                .put("priority", 0);
        ArrayNode rows = table.putArray("rows");
        for (JsonNode ns : namespaces) {
            ObjectNode row = rows.addObject();
            row.putArray("cells").add(ns.path("metadata").path("name").asText())
                    .add(ns.path("status").path("phase").asText("Active"))
                    .add(ages.age(ns.path("metadata").path("creationTimestamp").asText(null)));
            switch (include) {
                case NONE -> { }
                case OBJECT -> row.set("object", ns);
                case METADATA -> {
                    ObjectNode partial = row.putObject("object");
                    partial.put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
                    partial.set("metadata", ns.path("metadata").deepCopy());
                }
            }
        }
        return table;
    }

    private ObjectNode store(ObjectNode ns) {
        ObjectNode done = complete(ns, resourceVersion.incrementAndGet());
        items.put(done.path("metadata").path("name").asText(), done);
        return done.deepCopy();
    }

    /** What the apiserver fills in: uid, resourceVersion, creationTimestamp, the name label, finalizer, phase. */
    private ObjectNode complete(ObjectNode ns, long version) {
        ObjectNode out = json.createObjectNode();
        out.put("kind", "Namespace").put("apiVersion", "v1");
        ObjectNode meta = out.putObject("metadata");
        meta.setAll((ObjectNode) ns.path("metadata"));
        String name = meta.path("name").asText();
        meta.put("uid", UUID.randomUUID().toString()).put("resourceVersion", Long.toString(version))
                .put("creationTimestamp", timestamp());
        meta.with("labels").put("kubernetes.io/metadata.name", name);
        out.putObject("spec").putArray("finalizers").add("kubernetes");
        out.putObject("status").put("phase", "Active");
        return out;
    }

    private String timestamp() {
        return DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
    }

    private static String suffix() {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder sb = new StringBuilder();
        java.util.concurrent.ThreadLocalRandom rnd = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; i < 5; i++) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- protobuf

    /**
     * A Namespace sent as Kubernetes protobuf: the {@code k8s\0} magic, then a {@code runtime.Unknown}
     * {typeMeta=1 {apiVersion=1, kind=2}, raw=2} whose raw bytes are a {@code v1.Namespace} {metadata=1}; of
     * {@code ObjectMeta} the name (1), generateName (2), labels (11) and annotations (12) are read.
     */
    public ObjectNode decodeProtobuf(byte[] body) {
        if (body.length < PROTOBUF_MAGIC.length || !Arrays.equals(Arrays.copyOf(body, PROTOBUF_MAGIC.length), PROTOBUF_MAGIC)) {
            throw ApiException.badRequest("the protobuf body does not start with the Kubernetes magic number \"k8s\\x00\"");
        }
        try {
            CodedInputStream in = CodedInputStream.newInstance(body, PROTOBUF_MAGIC.length, body.length - PROTOBUF_MAGIC.length);
            String apiVersion = "";
            String kind = "";
            byte[] raw = null;
            for (int tag; (tag = in.readTag()) != 0; ) {
                switch (WireFormat.getTagFieldNumber(tag)) {
                    case 1 -> {
                        CodedInputStream typeMeta = CodedInputStream.newInstance(in.readByteArray());
                        for (int t; (t = typeMeta.readTag()) != 0; ) {
                            switch (WireFormat.getTagFieldNumber(t)) {
                                case 1 -> apiVersion = typeMeta.readStringRequireUtf8();
                                case 2 -> kind = typeMeta.readStringRequireUtf8();
                                default -> typeMeta.skipField(t);
                            }
                        }
                    }
                    case 2 -> raw = in.readByteArray();
                    default -> in.skipField(tag);
                }
            }
            if (raw == null) {
                throw ApiException.badRequest("the protobuf body holds no object");
            }
            ObjectNode ns = json.createObjectNode();
            ns.put("apiVersion", apiVersion).put("kind", kind);
            ObjectNode meta = ns.putObject("metadata");
            CodedInputStream object = CodedInputStream.newInstance(raw);
            for (int tag; (tag = object.readTag()) != 0; ) {
                if (WireFormat.getTagFieldNumber(tag) == 1) {
                    readObjectMeta(CodedInputStream.newInstance(object.readByteArray()), meta);
                } else {
                    object.skipField(tag);
                }
            }
            return ns;
        } catch (IOException e) {
            throw ApiException.badRequest("the protobuf body cannot be read: " + e.getMessage());
        }
    }

    private static void readObjectMeta(CodedInputStream in, ObjectNode meta) throws IOException {
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> meta.put("name", in.readStringRequireUtf8());
                case 2 -> meta.put("generateName", in.readStringRequireUtf8());
                case 11 -> readEntry(in.readByteArray(), meta.with("labels"));
                case 12 -> readEntry(in.readByteArray(), meta.with("annotations"));
                default -> in.skipField(tag);
            }
        }
    }

    private static void readEntry(byte[] entry, ObjectNode into) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(entry);
        String key = "";
        String value = "";
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> key = in.readStringRequireUtf8();
                case 2 -> value = in.readStringRequireUtf8();
                default -> in.skipField(tag);
            }
        }
        into.put(key, value);
    }
}
