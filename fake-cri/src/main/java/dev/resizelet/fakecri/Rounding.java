package dev.resizelet.fakecri;

import dev.resizelet.cgroups.CpuConversions;
import dev.resizelet.cri.v1.LinuxContainerResources;

/**
 * How a runtime rounds the values it is given before applying and reporting them.
 *
 * @param memoryGranularityBytes memory limits are rounded down to a multiple of this (the kernel keeps
 *     limits in pages: 4096), but never below one unit; 1 = no rounding
 * @param cpuQuotaStepMicrosPerSecond quota is rounded up so that quota per second of CPU time is a
 *     multiple of this (runc's systemd driver: 10000 µs, i.e. 10 ms); 0 = no rounding
 * @param sharesViaCgroupV2Weight shares are clamped to [2, 262144] and reported after the round trip
 *     through cgroup v2 {@code cpu.weight} (a runtime that reads values back from the cgroup)
 */
public record Rounding(long memoryGranularityBytes, long cpuQuotaStepMicrosPerSecond, boolean sharesViaCgroupV2Weight) {
    public static final Rounding NONE = new Rounding(1, 0, false);
    /** Pages for memory, 10 ms steps for quota, shares through cpu.weight. */
    public static final Rounding TYPICAL = new Rounding(4096, 10_000, true);

    public Rounding {
        if (memoryGranularityBytes < 1) {
            throw new IllegalArgumentException("memoryGranularityBytes must be at least 1, got " + memoryGranularityBytes);
        }
        if (cpuQuotaStepMicrosPerSecond < 0) {
            throw new IllegalArgumentException(
                    "cpuQuotaStepMicrosPerSecond must not be negative, got " + cpuQuotaStepMicrosPerSecond);
        }
    }

    /** The request as the runtime would apply it; zero ("leave unchanged") and -1 ("unlimited") stay as they are. */
    LinuxContainerResources apply(LinuxContainerResources r) {
        if (this.equals(NONE)) {
            return r;
        }
        LinuxContainerResources.Builder b = r.toBuilder();
        if (r.getMemoryLimitInBytes() > 0) {
            long g = memoryGranularityBytes;
            b.setMemoryLimitInBytes(Math.max(g, r.getMemoryLimitInBytes() / g * g));
        }
        if (r.getCpuQuota() > 0 && cpuQuotaStepMicrosPerSecond > 0) {
            long period = r.getCpuPeriod() > 0 ? r.getCpuPeriod() : CpuConversions.DEFAULT_PERIOD_US;
            long perSecond = r.getCpuQuota() * 1_000_000 / period;
            long step = cpuQuotaStepMicrosPerSecond;
            if (perSecond % step != 0) {
                perSecond = (perSecond / step + 1) * step;
            }
            b.setCpuQuota(Math.max(r.getCpuQuota(), perSecond * period / 1_000_000));
        }
        if (r.getCpuShares() > 0 && sharesViaCgroupV2Weight) {
            long clamped = Math.max(CpuConversions.MIN_SHARES, Math.min(CpuConversions.MAX_SHARES, r.getCpuShares()));
            b.setCpuShares(CpuConversions.weightToSharesLinear(CpuConversions.sharesToWeightLinear(clamped)));
        }
        return b.build();
    }
}
