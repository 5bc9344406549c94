package dev.resizelet.core.runtime;

import dev.resizelet.cgroups.CpuConversions;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceNames;
import dev.resizelet.core.model.ResourceRequirements;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code status.containerStatuses[].resources} of a running container exactly as the 1.35 kubelet converts it
 * ({@code convertContainerStatusResources} in pkg/kubelet/kubelet_pods.go). Pure.
 *
 * <ul>
 *   <li>Start from the allocated resources: everything but cpu and memory (extended resources,
 *       {@code ephemeral-storage}) and the memory request are the allocation's.</li>
 *   <li>Only when the allocation has limits: the cpu limit is the runtime's, unless both the runtime's and the
 *       allocated value are at or below the minimum effective limit (10m, the 1000µs quota floor), when the
 *       allocated value stays; the memory limit is the runtime's.</li>
 *   <li>Only when the allocation has requests: the cpu request is the runtime's, unless both it and the allocated
 *       request are at or below the minimum shares (2m), when the allocated value stays, so a container without a
 *       cpu request shows none.</li>
 *   <li>A value the runtime does not report keeps what the previous status showed for the same running container
 *       ({@code previous}), else the allocated value.</li>
 * </ul>
 */
public final class StatusResources {
    /** The kubelet's {@code cm.MinShares}, compared with millicores as the kubelet does. */
    static final long MIN_SHARES = CpuConversions.MIN_SHARES;
    /** The kubelet's {@code cm.MinMilliCPULimit}: the 1000µs minimum quota over the 100000µs period. */
    static final long MIN_MILLI_CPU_LIMIT = 10;

    private StatusResources() {
    }

    /**
     * @param allocated the container's allocated resources
     * @param reported  what the runtime reports for the running container (0 = not reported), from CRI or cgroups
     * @param previous  the resources the previous status showed for this same running container, or null
     */
    public static ResourceRequirements convert(ResourceRequirements allocated, ResourceValues reported,
            ResourceRequirements previous) {
        Map<String, Quantity> requests = new LinkedHashMap<>(allocated.requests());
        Map<String, Quantity> limits = new LinkedHashMap<>(allocated.limits());
        if (!limits.isEmpty()) {
            if (reported.cpuLimitMilli() > 0) {
                if (reported.cpuLimitMilli() > MIN_MILLI_CPU_LIMIT || milli(limits.get(ResourceNames.CPU)) > MIN_MILLI_CPU_LIMIT) {
                    limits.put(ResourceNames.CPU, Quantity.ofMillis(reported.cpuLimitMilli()));
                }
            } else {
                keepPrevious(ResourceNames.CPU, previous == null ? null : previous.limits(), limits);
            }
            if (reported.memoryLimitBytes() > 0) {
                limits.put(ResourceNames.MEMORY, Quantity.ofBytes(reported.memoryLimitBytes()));
            } else {
                keepPrevious(ResourceNames.MEMORY, previous == null ? null : previous.limits(), limits);
            }
        }
        if (!requests.isEmpty()) {
            if (reported.cpuRequestMilli() > 0) {
                if (reported.cpuRequestMilli() > MIN_SHARES || milli(requests.get(ResourceNames.CPU)) > MIN_SHARES) {
                    requests.put(ResourceNames.CPU, Quantity.ofMillis(reported.cpuRequestMilli()));
                }
            } else {
                keepPrevious(ResourceNames.CPU, previous == null ? null : previous.requests(), requests);
            }
            // the runtime never reports a memory request: it stays the allocation's, as the kubelet leaves it (the
            // upstream e2e waits for a resized memory request to show in the status)
        }
        return new ResourceRequirements(requests, limits);
    }

    private static long milli(Quantity q) {
        return q == null ? 0 : q.milliValue();
    }

    private static void keepPrevious(String resource, Map<String, Quantity> previous, Map<String, Quantity> into) {
        if (previous != null && previous.containsKey(resource)) {
            into.put(resource, previous.get(resource));
        }
    }
}
