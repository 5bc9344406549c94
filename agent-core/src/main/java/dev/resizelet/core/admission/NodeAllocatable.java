package dev.resizelet.core.admission;

import dev.resizelet.core.model.ResourceNames;
import dev.resizelet.core.model.ResourceVector;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What pods may use on this node: capacity minus reserved, the maximum number of pods, and the extended resources the
 * node advertises ({@code example.com/dongle: 4}, as a device plugin would), by name.
 */
public record NodeAllocatable(long cpuMillis, long memoryBytes, int pods, Map<String, Long> extended) {

    public NodeAllocatable {
        if (cpuMillis < 0 || memoryBytes < 0 || pods < 0) {
            throw new IllegalArgumentException("node allocatable must not be negative: cpu=" + cpuMillis
                    + "m memory=" + memoryBytes + " pods=" + pods);
        }
        extended = new TreeMap<>(extended == null ? Map.of() : extended);
        for (Map.Entry<String, Long> e : extended.entrySet()) {
            if (!ResourceNames.isExtended(e.getKey())) {
                throw new IllegalArgumentException("not an extended resource name: " + e.getKey()
                        + " (a domain-prefixed name outside kubernetes.io/, e.g. example.com/dongle)");
            }
            if (e.getValue() == null || e.getValue() < 0) {
                throw new IllegalArgumentException("extended resource " + e.getKey() + " must not be negative");
            }
        }
        extended = Collections.unmodifiableMap(extended);
    }

    /** A node without extended resources. */
    public NodeAllocatable(long cpuMillis, long memoryBytes, int pods) {
        this(cpuMillis, memoryBytes, pods, Map.of());
    }

    /** Capacity minus system/kube reserved (and eviction threshold, if the caller folds it in). */
    public static NodeAllocatable of(ResourceVector capacity, ResourceVector reserved, int maxPods) {
        ResourceVector a = capacity.minus(reserved);
        return new NodeAllocatable(a.cpuMillis(), a.memoryBytes(), maxPods, Map.of());
    }

    public ResourceVector vector() {
        return new ResourceVector(cpuMillis, memoryBytes);
    }
}
