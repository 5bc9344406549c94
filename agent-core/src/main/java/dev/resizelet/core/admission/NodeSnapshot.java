package dev.resizelet.core.admission;

import dev.resizelet.core.model.ResourceVector;

/**
 * The node's allocation totals at one instant, published after every change.
 *
 * @param used           sum of the allocated requests of all admitted pods
 * @param pods           number of admitted pods
 * @param pendingResizes number of deferred resizes waiting for room
 * @param version        grows by one with every published change
 */
public record NodeSnapshot(NodeAllocatable allocatable, ResourceVector used, int pods, int pendingResizes,
        long version) {

    /** What is still free for requests. */
    public ResourceVector free() {
        return allocatable.vector().minus(used);
    }
}
