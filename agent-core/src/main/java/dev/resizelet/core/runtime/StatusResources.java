package dev.resizelet.core.runtime;

import dev.resizelet.cgroups.CpuConversions;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceNames;
import dev.resizelet.core.model.ResourceRequirements;
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
     * @return {@code allocated} itself when the runtime's values print as the allocation's (the common case: nothing is
     *     copied), else new requirements
     */
    public static ResourceRequirements convert(ResourceRequirements allocated, ResourceValues reported,
            ResourceRequirements previous) {
        Map<String, Quantity> requests = allocated.requests();
        Map<String, Quantity> limits = allocated.limits();
        Quantity cpuLimit = limits.get(ResourceNames.CPU);
        Quantity memoryLimit = limits.get(ResourceNames.MEMORY);
        Quantity cpuRequest = requests.get(ResourceNames.CPU);
        if (!limits.isEmpty()) {
            if (reported.cpuLimitMilli() > 0) {
                if (reported.cpuLimitMilli() > MIN_MILLI_CPU_LIMIT || milli(cpuLimit) > MIN_MILLI_CPU_LIMIT) {
                    cpuLimit = Quantity.ofMillis(reported.cpuLimitMilli());
                }
            } else {
                cpuLimit = previousOr(ResourceNames.CPU, previous == null ? null : previous.limits(), cpuLimit);
            }
            if (reported.memoryLimitBytes() > 0) {
                memoryLimit = Quantity.ofBytes(reported.memoryLimitBytes());
            } else {
                memoryLimit = previousOr(ResourceNames.MEMORY, previous == null ? null : previous.limits(), memoryLimit);
            }
        }
        if (!requests.isEmpty()) {
            if (reported.cpuRequestMilli() > 0) {
                if (reported.cpuRequestMilli() > MIN_SHARES || milli(cpuRequest) > MIN_SHARES) {
                    cpuRequest = Quantity.ofMillis(reported.cpuRequestMilli());
                }
            } else {
                cpuRequest = previousOr(ResourceNames.CPU, previous == null ? null : previous.requests(), cpuRequest);
            }
            // the runtime never reports a memory request: it stays the allocation's, as the kubelet leaves it (the
            // upstream e2e waits for a resized memory request to show in the status)
        }
        return allocated.withCpuMemory(cpuRequest, requests.get(ResourceNames.MEMORY), cpuLimit, memoryLimit);
    }

    private static long milli(Quantity q) {
        return q == null ? 0 : q.milliValue();
    }

    /** What the previous status showed for {@code resource}, if it showed one; else {@code current}. */
    private static Quantity previousOr(String resource, Map<String, Quantity> previous, Quantity current) {
        Quantity shown = previous == null ? null : previous.get(resource);
        return shown != null ? shown : current;
    }
}
