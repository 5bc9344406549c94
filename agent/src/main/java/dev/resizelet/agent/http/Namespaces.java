package dev.resizelet.agent.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.resizelet.core.store.NamespaceStore;
import dev.resizelet.core.store.StoreException;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A minimal {@code namespaces} resource (cluster-scoped core/v1 Namespace): create, get, list, delete, with the
 * apiserver's built-in namespaces ({@code default}, {@code kube-system}, {@code kube-public},
 * {@code kube-node-lease}) always there and undeletable as upstream. Kept durably in a {@link NamespaceStore} (in the
 * state dir): a namespace whose creation was acknowledged survives a restart and a kill -9. Bodies come as JSON/YAML
 * ({@code kubectl create -f}) or as Kubernetes protobuf ({@code kubectl create namespace NAME} sends
 * {@code application/vnd.kubernetes.protobuf}), of which the {@code metadata} name, generateName, labels and
 * annotations are read.
 *
 * <p>Deleting a namespace does what the apiserver and the namespace controller do together, in the simplest faithful
 * form: the namespace is marked (durably) {@code Terminating} with a {@code deletionTimestamp}, every pod in it is
 * deleted with its own grace period, new pods are refused there (403, NamespaceLifecycle's words), and once no pod is
 * left the namespace is removed. The removal is checked whenever namespaces are read or a pod is created in one, so a
 * restart in the middle resumes it.
 */
public final class Namespaces {
    /** The apiserver's system namespaces, which exist from the start and may not be deleted. */
    public static final List<String> BUILT_IN = List.of("default", "kube-node-lease", "kube-public", "kube-system");
    private static final Set<String> UNDELETABLE = Set.of("default", "kube-system", "kube-public");
    static final String PROTOBUF = "application/vnd.kubernetes.protobuf";
    private static final byte[] PROTOBUF_MAGIC = {'k', '8', 's', 0};

    private final ObjectMapper json;
    private final Clock clock;
    private final NamespaceStore store;
    private final PodService pods; // null: no pods (unit tests)
    private final AtomicLong resourceVersion = new AtomicLong();
    private final Map<String, Long> versions = new ConcurrentHashMap<>(); // name -> resourceVersion of its last change

    /** In memory, with no pods: for tests. */
    public Namespaces(ObjectMapper json, Clock clock) {
        this(json, clock, NamespaceStore.inMemory(), null);
    }

    /**
     * Namespaces kept in {@code store}; the built-in ones are added when missing, and so is the namespace of every
     * stored pod that has none (state written before namespaces were kept).
     */
    public Namespaces(ObjectMapper json, Clock clock, NamespaceStore store, PodService pods) {
        this.json = json;
        this.clock = clock;
        this.store = store;
        this.pods = pods;
        Set<String> needed = new java.util.TreeSet<>(BUILT_IN);
        if (pods != null) {
            pods.list(null).items().stream().map(p -> p.path("metadata").path("namespace").asText(""))
                    .filter(n -> !n.isEmpty()).forEach(needed::add);
        }
        for (String name : needed) {
            if (store.get(name).isEmpty()) {
                store.put(new NamespaceStore.Namespace(name, UUID.randomUUID().toString(), now(), Map.of(), Map.of(), null));
            }
        }
        store.list().forEach(ns -> versions.put(ns.name(), resourceVersion.incrementAndGet()));
    }

    /** Whether {@code name} exists (a terminating namespace still does, until its pods are gone). */
    public boolean exists(String name) {
        settle(name);
        return store.get(name).isPresent();
    }

    /**
     * NamespaceLifecycle admission for a new pod: 404 if the namespace does not exist, 403 while it terminates.
     */
    public void admitNewPod(String namespace, String podName) {
        settle(namespace);
        NamespaceStore.Namespace ns = store.get(namespace).orElseThrow(() -> ApiException.notFound("namespaces", namespace));
        if (ns.terminating()) {
            throw new ApiException(403, "Forbidden", "pods \"" + podName + "\" is forbidden: unable to create new content in "
                    + "namespace " + namespace + " because it is being terminated", "pods", podName,
                    List.of(new ApiException.Cause("NamespaceTerminating", "namespace " + namespace + " is being terminated",
                            "metadata.namespace")));
        }
    }

    public ObjectNode get(String name) {
        settle(name);
        return store.get(name).map(this::toJson).orElseThrow(() -> ApiException.notFound("namespaces", name));
    }

    /** {@code NamespaceList} of those that match, with the current resourceVersion. */
    public ObjectNode list(Predicate<JsonNode> filter) {
        store.list().stream().filter(NamespaceStore.Namespace::terminating).forEach(ns -> settle(ns.name()));
        ObjectNode out = json.createObjectNode();
        out.put("kind", "NamespaceList").put("apiVersion", "v1");
        out.putObject("metadata").put("resourceVersion", Long.toString(resourceVersion.get()));
        ArrayNode array = out.putArray("items");
        store.list().stream().map(this::toJson).filter(filter).forEach(array::add);
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
        Map<String, String> labels = new TreeMap<>(LabelRules.read(meta.path("labels"), "metadata.labels", causes));
        if (!causes.isEmpty()) {
            throw ApiException.invalid("Namespace", name, causes);
        }
        settle(name);
        if (store.get(name).isPresent()) {
            throw ApiException.alreadyExists("namespaces", name);
        }
        labels.remove(NAME_LABEL); // the apiserver sets it to the name
        Map<String, String> annotations = new TreeMap<>();
        meta.path("annotations").fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
        NamespaceStore.Namespace ns = new NamespaceStore.Namespace(name, UUID.randomUUID().toString(), now(), labels,
                annotations, null);
        if (dryRun) {
            return toJson(ns, resourceVersion.get() + 1);
        }
        write(() -> store.put(ns));
        versions.put(name, resourceVersion.incrementAndGet());
        return toJson(ns);
    }

    /**
     * Deletes a namespace as the apiserver does: it goes {@code Terminating} (durably), its pods are deleted, and it
     * is removed once they are gone. The built-in ones are refused; one already terminating answers 409 with the
     * apiserver's words.
     */
    public ObjectNode delete(String name, boolean dryRun) {
        NamespaceStore.Namespace ns;
        synchronized (this) {
            settle(name);
            ns = store.get(name).orElseThrow(() -> ApiException.notFound("namespaces", name));
            if (UNDELETABLE.contains(name)) {
                throw new ApiException(403, "Forbidden", "namespaces \"" + name + "\" is forbidden: this namespace may not be deleted",
                        "namespaces", name, List.of());
            }
            if (ns.terminating()) {
                throw new ApiException(409, "Conflict", "Operation cannot be fulfilled on namespaces \"" + name + "\": The "
                        + "system is ensuring all content is removed from this namespace.  Upon completion, this namespace "
                        + "will automatically be purged by the system.", "namespaces", name, List.of());
            }
            ns = ns.terminatingAt(now());
            if (dryRun) {
                return toJson(ns, resourceVersion.get() + 1);
            }
            NamespaceStore.Namespace marked = ns;
            write(() -> store.put(marked));
            versions.put(name, resourceVersion.incrementAndGet());
        }
        ObjectNode answer = toJson(ns);
        settle(name);
        return answer;
    }

    /**
     * For a terminating namespace: deletes the pods in it that are not being deleted yet, and removes the namespace
     * once none is left. Nothing for an active or unknown one.
     */
    private void settle(String name) {
        NamespaceStore.Namespace ns = store.get(name).orElse(null);
        if (ns == null || !ns.terminating()) {
            return;
        }
        List<ObjectNode> left = pods == null ? List.of() : pods.list(name).items();
        for (ObjectNode pod : left) {
            if (!pod.path("metadata").has("deletionTimestamp")) {
                try {
                    pods.delete(name, pod.path("metadata").path("name").asText());
                } catch (ApiException e) {
                    if (e.code() != 404) {
                        throw e;
                    }
                }
            }
        }
        if (pods == null || pods.list(name).items().isEmpty()) {
            synchronized (this) {
                if (store.get(name).map(NamespaceStore.Namespace::terminating).orElse(false)) {
                    write(() -> store.remove(name));
                    versions.remove(name);
                    resourceVersion.incrementAndGet();
                }
            }
        }
    }

    /** A store write; a disk that refuses it is the apiserver's storage failing: 500, nothing changed. */
    private static void write(Runnable change) {
        try {
            change.run();
        } catch (StoreException.Unavailable e) {
            throw ApiException.internal("the namespace store cannot be written: " + e.getMessage());
        }
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

    private static final String NAME_LABEL = "kubernetes.io/metadata.name";

    private ObjectNode toJson(NamespaceStore.Namespace ns) {
        return toJson(ns, versions.getOrDefault(ns.name(), resourceVersion.get()));
    }

    /** The object as the apiserver shows it: the name label, the {@code kubernetes} finalizer, the phase. */
    private ObjectNode toJson(NamespaceStore.Namespace ns, long version) {
        ObjectNode out = json.createObjectNode();
        out.put("kind", "Namespace").put("apiVersion", "v1");
        ObjectNode meta = out.putObject("metadata");
        meta.put("name", ns.name()).put("uid", ns.uid()).put("resourceVersion", Long.toString(version))
                .put("creationTimestamp", timestamp(ns.creationTimestamp()));
        if (ns.terminating()) {
            meta.put("deletionTimestamp", timestamp(ns.deletionTimestamp()));
        }
        ObjectNode labels = meta.putObject("labels");
        new TreeMap<>(ns.labels()).forEach(labels::put);
        labels.put(NAME_LABEL, ns.name());
        if (!ns.annotations().isEmpty()) {
            ObjectNode annotations = meta.putObject("annotations");
            new TreeMap<>(ns.annotations()).forEach(annotations::put);
        }
        out.putObject("spec").putArray("finalizers").add("kubernetes");
        out.putObject("status").put("phase", ns.terminating() ? "Terminating" : "Active");
        return out;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    private static String timestamp(Instant at) {
        return DateTimeFormatter.ISO_INSTANT.format(at.truncatedTo(ChronoUnit.SECONDS));
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
