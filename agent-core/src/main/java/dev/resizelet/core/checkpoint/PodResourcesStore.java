package dev.resizelet.core.checkpoint;

import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.PodUid;
import java.util.Map;

/**
 * Durable per-pod resources: one store for the allocated view, one for the actuated view.
 * Only the allocation owner thread calls the mutators.
 */
public interface PodResourcesStore {

    /** Everything acknowledged so far; throws {@link CheckpointCorruptException} on a damaged file. */
    Map<PodUid, PodResources> loadAll();

    /**
     * Makes {@code resources} durable before returning; does nothing if it equals what was last
     * saved for the pod. On failure throws {@link CheckpointWriteException} and keeps the previous
     * durable and remembered state.
     */
    void save(PodResources resources);

    /** Forgets the pod; throws {@link CheckpointWriteException} if that cannot be made durable. */
    void remove(PodUid uid);
}
