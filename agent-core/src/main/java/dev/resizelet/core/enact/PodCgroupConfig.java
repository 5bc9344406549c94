package dev.resizelet.core.enact;

import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.cgroups.CpuConversions;
import dev.resizelet.cgroups.QosTier;
import java.util.List;

/** The kubelet's ResourceConfigForPod (pkg/kubelet/cm/helpers_linux.go), DESIGN §5. */
public final class PodCgroupConfig {
    private PodCgroupConfig() {
    }

    /**
     * Shares from the sum of requests; quota from the sum of limits only if every container has a CPU limit;
     * memory limit only if every container has one (else unlimited); BestEffort: shares = 2 only.
     */
    public static CgroupResources forPod(QosTier tier, List<ResourceValues> containers) {
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
        long quota = allCpuLimits
                ? CpuConversions.milliCpuToQuota(cpuLimits, CpuConversions.DEFAULT_PERIOD_US)
                : CgroupResources.UNLIMITED;
        return new CgroupResources(CpuConversions.milliCpuToShares(cpuRequests), quota,
                CpuConversions.DEFAULT_PERIOD_US, allMemoryLimits ? memoryLimits : CgroupResources.UNLIMITED);
    }
}
