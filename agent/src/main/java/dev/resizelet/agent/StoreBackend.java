package dev.resizelet.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resizelet.agent.http.ApiException;
import dev.resizelet.agent.http.PodService;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.store.ObjectKey;
import dev.resizelet.core.store.PodStore;
import dev.resizelet.core.store.StoreCodec;
import dev.resizelet.core.store.StoreEvent;
import dev.resizelet.core.store.StoreException;
import dev.resizelet.core.store.StoredObject;
import dev.resizelet.core.validation.FieldError;
import dev.resizelet.core.validation.PodValidator;
import dev.resizelet.core.validation.ResizeSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The pod API over agent-core's durable {@link PodStore} and validation, without admission or enactment:
 * desired specs are validated, persisted (they survive kill -9) and watched, and their status says that
 * nothing is running ({@code phase: Pending}). The daemon uses the full node agent when agent-core provides it.
 */
final class StoreBackend implements AgentBackend, PodService {
    private final PodStore<Pod, Void> store;
    private final PodJson codec;
    private final ObjectMapper json = new ObjectMapper();

    private StoreBackend(PodStore<Pod, Void> store, PodJson codec) {
        this.store = store;
        this.codec = codec;
    }

    static StoreBackend open(AgentConfig config, Clock clock) {
        ObjectMapper json = new ObjectMapper();
        PodJson codec = new PodJson(json);
        StoreCodec<Pod> storeCodec = new StoreCodec<>() {
            @Override
            public byte[] encode(Pod pod) {
                ObjectNode node = json.createObjectNode();
                node.with("metadata").put("name", pod.name()).put("namespace", pod.namespace()).put("uid", pod.uid().value())
                        .put("generation", pod.generation());
                ObjectNode annotations = node.with("metadata").putObject("annotations");
                pod.annotations().forEach(annotations::put);
                node.set("spec", codec.encodeSpec(pod, null));
                try {
                    return json.writeValueAsBytes(node);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public Pod decode(byte[] bytes) {
                try {
                    ObjectNode node = (ObjectNode) json.readTree(bytes);
                    return codec.decode(node, node.at("/metadata/namespace").asText(), PodUid.of(node.at("/metadata/uid").asText()),
                            node.at("/metadata/generation").asLong());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        PodStore<Pod, Void> store = config.stateDir() == null ? PodStore.inMemory(storeCodec, clock)
                : PodStore.open(config.stateDir(), storeCodec, clock);
        return new StoreBackend(store, codec);
    }

    @Override
    public PodService pods() {
        return this;
    }

    @Override
    public Map<String, Long> agentCounters() {
        return Map.of("stored_pods", (long) store.size());
    }

    @Override
    public void close() {
        store.close();
    }

    private ObjectNode toJson(StoredObject<Pod, Void> o) {
        Pod pod = o.spec();
        ObjectNode node = json.createObjectNode();
        node.put("apiVersion", "v1").put("kind", "Pod");
        ObjectNode meta = node.putObject("metadata");
        meta.put("name", pod.name()).put("namespace", pod.namespace()).put("uid", o.uid())
                .put("resourceVersion", Long.toString(o.resourceVersion())).put("generation", o.generation())
                .put("creationTimestamp", DateTimeFormatter.ISO_INSTANT.format(o.creationTimestamp().truncatedTo(ChronoUnit.SECONDS)));
        if (!pod.annotations().isEmpty()) {
            ObjectNode a = meta.putObject("annotations");
            pod.annotations().forEach(a::put);
        }
        node.set("spec", codec.encodeSpec(pod, null));
        ObjectNode status = node.putObject("status");
        status.put("phase", "Pending").put("qosClass", pod.qosClass().toString());
        ArrayNode cs = status.putArray("containerStatuses");
        for (Container c : pod.containers()) {
            cs.addObject().put("name", c.name()).put("image", c.image()).put("ready", false).put("restartCount", 0)
                    .putObject("state").putObject("waiting").put("reason", "NoRuntime");
        }
        return node;
    }

    private static RuntimeException map(StoreException e, String name) {
        if (e instanceof StoreException.NotFound) return ApiException.notFound("pods", name);
        if (e instanceof StoreException.AlreadyExists) return ApiException.alreadyExists("pods", name);
        if (e instanceof StoreException.Conflict) return ApiException.conflict("pods", name);
        if (e instanceof StoreException.Gone) return ApiException.gone(e.getMessage());
        return ApiException.unavailable(e.getMessage());
    }

    @Override
    public ObjectNode create(String namespace, ObjectNode body, boolean dryRun) {
        String uid = UUID.randomUUID().toString();
        Pod pod = codec.decode(body, namespace, PodUid.of(uid), 1);
        List<FieldError> errors = PodValidator.validateNew(pod);
        if (!errors.isEmpty()) {
            throw ApiException.invalid("Pod", pod.name(), PodJson.causes(errors));
        }
        ObjectKey key = new ObjectKey(namespace, pod.name());
        if (dryRun) {
            if (store.get(key).isPresent()) throw ApiException.alreadyExists("pods", pod.name());
            return body;
        }
        try {
            return toJson(store.create(key, uid, pod, null));
        } catch (StoreException e) {
            throw map(e, pod.name());
        }
    }

    @Override
    public ObjectNode update(String namespace, String name, ObjectNode body, Long expected, boolean resize, boolean dryRun) {
        ObjectKey key = new ObjectKey(namespace, name);
        StoredObject<Pod, Void> current = store.get(key).orElseThrow(() -> ApiException.notFound("pods", name));
        if (expected != null && expected != current.resourceVersion()) {
            throw ApiException.conflict("pods", name);
        }
        Pod updated = codec.decode(body, namespace, current.spec().uid(), current.generation());
        List<FieldError> errors = PodValidator.validateResize(current.spec(), updated,
                resize ? ResizeSource.RESIZE_SUBRESOURCE : ResizeSource.POD_UPDATE);
        if (!errors.isEmpty()) {
            throw ApiException.invalid("Pod", name, PodJson.causes(errors));
        }
        if (dryRun) {
            return toJson(new StoredObject<>(key, current.uid(), updated, null, current.generation(), current.resourceVersion(),
                    current.creationTimestamp()));
        }
        try {
            return toJson(store.updateSpec(key, expected == null ? current.resourceVersion() : expected,
                    o -> new PodStore.Change<>(updated.withGeneration(o.generation() + 1), o.status())));
        } catch (StoreException e) {
            throw map(e, name);
        }
    }

    @Override
    public Optional<ObjectNode> get(String namespace, String name) {
        return store.get(new ObjectKey(namespace, name)).map(this::toJson);
    }

    @Override
    public PodList list(String namespace) {
        synchronized (store) {
            return new PodList(store.resourceVersion(), store.list(namespace).stream().map(this::toJson).toList());
        }
    }

    @Override
    public ObjectNode delete(String namespace, String name) {
        try {
            return toJson(store.delete(new ObjectKey(namespace, name), null));
        } catch (StoreException e) {
            throw map(e, name);
        }
    }

    @Override
    public AutoCloseable watch(String namespace, long since, Consumer<WatchEvent> sink) {
        try {
            return store.watch(namespace, since, (StoreEvent<Pod, Void> e) -> sink.accept(new WatchEvent(e.type().name(), toJson(e.object()))));
        } catch (StoreException e) {
            throw map(e, "");
        }
    }

    @Override
    public boolean ready() {
        return true;
    }
}
