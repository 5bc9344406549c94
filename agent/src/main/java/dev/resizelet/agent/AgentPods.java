package dev.resizelet.agent;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resizelet.agent.http.ApiException;
import dev.resizelet.agent.http.PodService;
import dev.resizelet.core.NodeAgent;
import dev.resizelet.core.api.AlreadyExistsException;
import dev.resizelet.core.api.ConflictException;
import dev.resizelet.core.api.GoneException;
import dev.resizelet.core.api.InvalidException;
import dev.resizelet.core.api.NotFoundException;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.store.StoreException;
import dev.resizelet.core.validation.FieldError;
import dev.resizelet.core.validation.PodValidator;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The HTTP layer's {@link PodService} over a running {@link NodeAgent}: request JSON becomes model pods
 * ({@link PodJson}), the agent admits, enacts and reports, and its views go back out as Pod objects. The agent's
 * exceptions become Kubernetes Status errors here, and nowhere else.
 */
final class AgentPods implements PodService {
    private final NodeAgent agent;
    private final PodJson codec;
    private final EventJson events;
    private final Clock clock;

    AgentPods(NodeAgent agent, PodJson codec, EventJson events, Clock clock) {
        this.agent = requireNonNull(agent, "agent");
        this.codec = requireNonNull(codec, "codec");
        this.events = requireNonNull(events, "events");
        this.clock = requireNonNull(clock, "clock");
    }

    @Override
    public ObjectNode create(String namespace, ObjectNode body, boolean dryRun) {
        Pod pod = codec.decode(body, namespace, PodUid.of(UUID.randomUUID().toString()), 1);
        if (dryRun) {
            List<FieldError> errors = PodValidator.validateNew(pod);
            if (!errors.isEmpty()) {
                throw ApiException.invalid("Pod", pod.name(), PodJson.causes(errors));
            }
            if (agent.get(namespace, pod.name()).isPresent()) {
                throw ApiException.alreadyExists("pods", pod.name());
            }
            PodStatus pending = new PodStatus("Pending", null, null, pod.qosClass(), null, List.of(), 0, List.of());
            return codec.encode(new PodView(pod, pending, 0, 1, clock.instant()));
        }
        return call(pod.name(), () -> codec.encode(agent.create(pod)));
    }

    @Override
    public ObjectNode update(String namespace, String name, ObjectNode body, Long expectedResourceVersion,
                             boolean resizeSubresource, boolean dryRun) {
        PodView current = agent.get(namespace, name).orElseThrow(() -> ApiException.notFound("pods", name));
        Pod next = codec.decode(body, namespace, current.spec().uid(), current.generation());
        return call(name, () -> codec.encode(agent.update(namespace, name, next, expectedResourceVersion,
                resizeSubresource, dryRun)));
    }

    @Override
    public ObjectNode updatePatched(String namespace, String name, ObjectNode body, long expectedGeneration,
                                    boolean resizeSubresource, boolean dryRun) {
        PodView current = agent.get(namespace, name).orElseThrow(() -> ApiException.notFound("pods", name));
        Pod next = codec.decode(body, namespace, current.spec().uid(), current.generation());
        Long baseVersion = resourceVersion(body);
        if (baseVersion != null && !next.equals(current.spec()) && next.withMetadataOf(current.spec()).equals(current.spec())) {
            // labels or annotations only: no new generation guards this write, so the version the patch was applied
            // to does (a status change meanwhile is a 409 the patch loop retries on the newer object)
            return call(name, () -> codec.encode(agent.update(namespace, name, next, baseVersion, expectedGeneration,
                    resizeSubresource, dryRun)));
        }
        return call(name, () -> codec.encode(agent.update(namespace, name, next, null, expectedGeneration,
                resizeSubresource, dryRun)));
    }

    private static Long resourceVersion(ObjectNode body) {
        try {
            String rv = body.path("metadata").path("resourceVersion").asText("");
            return rv.isEmpty() ? null : Long.valueOf(rv);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public Optional<ObjectNode> get(String namespace, String name) {
        return agent.get(namespace, name).map(codec::encode);
    }

    @Override
    public PodList list(String namespace) {
        // the version first: items may be newer than it (a watch from it replays them), never older
        long resourceVersion = agent.resourceVersion();
        return new PodList(resourceVersion, agent.list(namespace).stream().map(codec::encode).toList());
    }

    @Override
    public ObjectNode delete(String namespace, String name) {
        return call(name, () -> codec.encode(agent.delete(namespace, name)));
    }

    @Override
    public ObjectNode delete(String namespace, String name, Long gracePeriodSeconds) {
        return call(name, () -> codec.encode(agent.delete(namespace, name, gracePeriodSeconds)));
    }

    @Override
    public AutoCloseable watch(String namespace, long sinceResourceVersion, Consumer<WatchEvent> sink) {
        return call("", () -> agent.watch(namespace, sinceResourceVersion,
                e -> sink.accept(new WatchEvent(e.type().name(), codec.encode(e.pod()))),
                () -> sink.accept(null)));
    }

    @Override
    public List<ObjectNode> events(String namespace) {
        return agent.events(namespace).stream().map(events::encode).toList();
    }

    @Override
    public boolean ready() {
        return agent.ready();
    }

    /** Runs one agent call, turning its exceptions into the Status errors kubectl knows. */
    private static <T> T call(String name, Supplier<T> action) {
        try {
            return action.get();
        } catch (NotFoundException e) {
            throw new ApiException(404, "NotFound", e.getMessage(), "pods", name, List.of());
        } catch (AlreadyExistsException e) {
            throw new ApiException(409, "AlreadyExists", e.getMessage(), "pods", name, List.of());
        } catch (ConflictException e) {
            throw new ApiException(409, "Conflict", e.getMessage(), "pods", name, List.of());
        } catch (InvalidException e) {
            throw ApiException.invalid("Pod", e.name(), PodJson.causes(e.errors()));
        } catch (GoneException e) {
            throw ApiException.gone(e.getMessage());
        } catch (StoreException.Unavailable e) {
            // the apiserver answers a write its storage refuses (etcd "database space exceeded", a failed disk) with
            // 500 InternalError; nothing of the change was kept
            throw ApiException.internal("the pod store cannot be written: " + e.getMessage());
        }
    }
}
