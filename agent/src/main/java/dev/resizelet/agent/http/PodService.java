package dev.resizelet.agent.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the HTTP layer needs from the node agent, in Kubernetes JSON (whole Pod objects with metadata, spec
 * and status). Every failure is an {@link ApiException}; a rejected call changes nothing.
 */
public interface PodService {

    /** A consistent list: the items and the resourceVersion they were read at. */
    record PodList(long resourceVersion, List<ObjectNode> items) {
        public PodList {
            items = List.copyOf(items);
        }
    }

    /** One watch event; {@code type} is ADDED, MODIFIED or DELETED. */
    record WatchEvent(String type, ObjectNode object) {
        public WatchEvent {
            java.util.Objects.requireNonNull(type, "type");
            java.util.Objects.requireNonNull(object, "object");
        }
    }

    ObjectNode create(String namespace, ObjectNode pod, boolean dryRun);

    /**
     * Replaces the pod's spec (and metadata labels/annotations). {@code expectedResourceVersion} null means
     * unconditional; {@code resizeSubresource} true applies the resize subresource's rules.
     */
    ObjectNode update(String namespace, String name, ObjectNode pod, Long expectedResourceVersion,
                      boolean resizeSubresource, boolean dryRun);

    /**
     * A patch result: applied only if the stored spec is still generation {@code expectedGeneration} (the one the
     * patch was applied to), else 409. A status change meanwhile is no conflict; a concurrent spec change is.
     */
    default ObjectNode updatePatched(String namespace, String name, ObjectNode pod, long expectedGeneration,
                                     boolean resizeSubresource, boolean dryRun) {
        return update(namespace, name, pod, null, resizeSubresource, dryRun);
    }

    Optional<ObjectNode> get(String namespace, String name);

    /** Pods of one namespace, or of all when {@code namespace} is null, sorted by namespace/name. */
    PodList list(String namespace);

    ObjectNode delete(String namespace, String name);

    /**
     * Deletes with a grace period: null for the pod's own ({@code spec.terminationGracePeriodSeconds}), 0 to remove the
     * object at once (force). Answers the object as stored: marked with {@code metadata.deletionTimestamp} while it
     * terminates, or as it was removed.
     */
    default ObjectNode delete(String namespace, String name, Long gracePeriodSeconds) {
        return delete(namespace, name);
    }

    /**
     * Streams events after {@code sinceResourceVersion} to {@code sink} until closed. Throws a 410 ApiException
     * when that version is too old to replay.
     */
    /** Streams changes to {@code sink}; a null event means the watch was closed because it fell behind. */
    AutoCloseable watch(String namespace, long sinceResourceVersion, Consumer<WatchEvent> sink);

    /** Kubernetes {@code v1 Event} objects about pods of one namespace (all when null), oldest first. */
    List<ObjectNode> events(String namespace);

    /** True once the runtime answered and the checkpoints were restored. */
    boolean ready();
}
