package dev.resizelet.core.admission;

import dev.resizelet.core.model.ResourceVector;

/** What pods may use on this node: capacity minus reserved, and the maximum number of pods. */
public record NodeAllocatable(long cpuMillis, long memoryBytes, int pods) {

    public NodeAllocatable {
        if (cpuMillis < 0 || memoryBytes < 0 || pods < 0) {
            throw new IllegalArgumentException("node allocatable must not be negative: cpu=" + cpuMillis
                    + "m memory=" + memoryBytes + " pods=" + pods);
        }
    }

    /** Capacity minus system/kube reserved (and eviction threshold, if the caller folds it in). */
    public static NodeAllocatable of(ResourceVector capacity, ResourceVector reserved, int maxPods) {
        ResourceVector a = capacity.minus(reserved);
        return new NodeAllocatable(a.cpuMillis(), a.memoryBytes(), maxPods);
    }

    public ResourceVector vector() {
        return new ResourceVector(cpuMillis, memoryBytes);
    }
}
