package dev.resizelet.core.model;

import com.google.common.collect.ImmutableSortedMap;
import java.util.Map;
import java.util.Objects;

/**
 * A container's {@code resources}: requests and limits by resource name. Maps are copied, sorted by
 * name, unmodifiable. Equality compares quantities by value.
 */
public record ResourceRequirements(Map<String, Quantity> requests, Map<String, Quantity> limits) {

    public static final ResourceRequirements NONE = new ResourceRequirements(Map.of(), Map.of());

    public ResourceRequirements {
        requests = sortedCopy(requests, "requests");
        limits = sortedCopy(limits, "limits");
    }

    public Quantity request(String resource) {
        return requests.get(resource);
    }

    public Quantity limit(String resource) {
        return limits.get(resource);
    }

    /** Requested millicores (0 when unset), as the kubelet sums them. */
    public long cpuRequestMillis() {
        Quantity q = requests.get(ResourceNames.CPU);
        return q == null ? 0 : q.milliValue();
    }

    /** Requested bytes (0 when unset). */
    public long memoryRequestBytes() {
        Quantity q = requests.get(ResourceNames.MEMORY);
        return q == null ? 0 : q.value();
    }

    public ResourceVector requestVector() {
        return new ResourceVector(cpuRequestMillis(), memoryRequestBytes());
    }

    /**
     * An immutable sorted copy; a map this record made before (an {@link ImmutableSortedMap} in natural order) is taken
     * as it is, so records built from other records' maps (the status composer's, admission's) copy nothing.
     */
    private static Map<String, Quantity> sortedCopy(Map<String, Quantity> in, String what) {
        Objects.requireNonNull(in, what);
        if (!(in instanceof ImmutableSortedMap)) {
            in.forEach((k, v) -> {
                // no message built unless it is thrown: this runs for every map of every spec decoded at a restart
                if (k == null || v == null) {
                    throw new NullPointerException(what + (k == null ? " key" : " value"));
                }
            });
        }
        return ImmutableSortedMap.copyOf(in);
    }
}
