package dev.resizelet.core.enact;

import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.cgroups.CpuConversions;
import dev.resizelet.cgroups.QosTier;
import java.util.List;

/** The kubelet's ResourceConfigForPod (pkg/kubelet/cm/helpers_linux.go), DESIGN §5, with pod-level resources. */
public final class PodCgroupConfig {
    private PodCgroupConfig() {
    }

    /** The pod cgroup values of a pod without pod-level resources. */
    public static CgroupResources forPod(QosTier tier, List<ResourceValues> containers) {
        return forPod(tier, containers, ResourceValues.NONE);
    }

    /**
     * Shares from the pod's cpu request: the pod-level one ({@code spec.resources}, KEP-2837) when set, else the sum
     * of the containers'; quota from the pod-level cpu limit when set, else the sum of the containers' limits if
     * every container has one; memory limit likewise (else unlimited); BestEffort: shares = 2 only.
     *
     * @param podLevel the allocated pod-level values, {@link ResourceValues#NONE} (all 0) when the pod sets none
     */
    public static CgroupResources forPod(QosTier tier, List<ResourceValues> containers, ResourceValues podLevel) {
        if (tier == QosTier.BESTEFFORT) {
            return new CgroupResources(CpuConversions.MIN_SHARES, null, null, null);
        }
        long cpuRequests = 0;
        long cpuLimits = 0;
        long memoryLimits = 0;
        boolean allCpuLimits = !containers.isEmpty();
        boolean allMemoryLimits = !containers.isEmpty();
        for (ResourceValues c : containers) {
            cpuRequests += c.effectiveCpuRequestMilli();
            cpuLimits += c.cpuLimitMilli();
            memoryLimits += c.memoryLimitBytes();
            allCpuLimits &= c.cpuLimitMilli() > 0;
            allMemoryLimits &= c.memoryLimitBytes() > 0;
        }
        if (podLevel.cpuRequestMilli() > 0) {
            cpuRequests = podLevel.cpuRequestMilli();
        }
        if (podLevel.cpuLimitMilli() > 0) {
            cpuLimits = podLevel.cpuLimitMilli();
            allCpuLimits = true;
        }
        if (podLevel.memoryLimitBytes() > 0) {
            memoryLimits = podLevel.memoryLimitBytes();
            allMemoryLimits = true;
        }
        long quota = allCpuLimits
                ? CpuConversions.milliCpuToQuota(cpuLimits, CpuConversions.DEFAULT_PERIOD_US)
                : CgroupResources.UNLIMITED;
        return new CgroupResources(CpuConversions.milliCpuToShares(cpuRequests), quota,
                CpuConversions.DEFAULT_PERIOD_US, allMemoryLimits ? memoryLimits : CgroupResources.UNLIMITED);
    }
}
