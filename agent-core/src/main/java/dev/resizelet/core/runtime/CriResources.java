package dev.resizelet.core.runtime;

import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.cgroups.CpuConversions;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.cri.v1.LinuxContainerResources;

/** Conversions between enactment values and CRI {@code LinuxContainerResources} / cgroup values (DESIGN §5). */
public final class CriResources {
    /** CPU requests at or below this many millicores compare equal (shares clamp at 2). */
    public static final long CPU_REQUEST_TOLERANCE_MILLI = 2;
    /** CPU limits at or below this many millicores compare equal (quota clamps at 1000us). */
    public static final long CPU_LIMIT_TOLERANCE_MILLI = 10;

    private CriResources() {
    }

    /**
     * cpu_shares = shares(request, or limit when no request); cpu_period = 100000; cpu_quota = quota(limit),
     * 0 without a limit; memory_limit_in_bytes = limit, 0 without one (0 means "leave unchanged").
     */
    public static LinuxContainerResources toCri(ResourceValues v) {
        return LinuxContainerResources.newBuilder()
                .setCpuShares(CpuConversions.milliCpuToShares(v.effectiveCpuRequestMilli()))
                .setCpuPeriod(CpuConversions.DEFAULT_PERIOD_US)
                .setCpuQuota(v.cpuLimitMilli() > 0
                        ? CpuConversions.milliCpuToQuota(v.cpuLimitMilli(), CpuConversions.DEFAULT_PERIOD_US) : 0)
                .setMemoryLimitInBytes(v.memoryLimitBytes())
                .build();
    }

    /**
     * What the runtime reports, back in millicores and bytes: cpu limit = quota*1000/period (quota > 0), cpu
     * request = ceil(shares*1000/1024) (shares ≥ 2), memory limit = bytes (> 0). The runtime does not report a
     * memory request: {@code memoryRequestBytes} is passed through.
     */
    public static ResourceValues fromCri(LinuxContainerResources r, long memoryRequestBytes) {
        long period = r.getCpuPeriod() > 0 ? r.getCpuPeriod() : CpuConversions.DEFAULT_PERIOD_US;
        return new ResourceValues(
                r.getCpuShares() >= CpuConversions.MIN_SHARES ? CpuConversions.sharesToMilliCpu(r.getCpuShares()) : 0,
                r.getCpuQuota() > 0 ? CpuConversions.quotaToMilliCpu(r.getCpuQuota(), period) : 0,
                memoryRequestBytes,
                Math.max(0, r.getMemoryLimitInBytes()));
    }

    /** The same conversion from a container's cgroup files (legacy runtimes that report no resources). */
    public static ResourceValues fromCgroup(CgroupResources r, long memoryRequestBytes) {
        long shares = r.cpuShares() == null ? 0 : r.cpuShares();
        long quota = r.cpuQuota() == null ? 0 : r.cpuQuota();
        long period = r.cpuPeriod() == null ? CpuConversions.DEFAULT_PERIOD_US : r.cpuPeriod();
        long memory = r.memoryLimitBytes() == null ? 0 : r.memoryLimitBytes();
        return new ResourceValues(
                shares >= CpuConversions.MIN_SHARES ? CpuConversions.sharesToMilliCpu(shares) : 0,
                quota > 0 ? CpuConversions.quotaToMilliCpu(quota, period) : 0,
                memoryRequestBytes,
                Math.max(0, memory));
    }

    /** Whether a reported value matches an applied one: CPU requests both ≤ 2m or limits both ≤ 10m compare equal. */
    public static boolean sameAsReported(ResourceValues applied, ResourceValues reported) {
        return cpuEqual(applied.effectiveCpuRequestMilli(), reported.cpuRequestMilli(), CPU_REQUEST_TOLERANCE_MILLI)
                && cpuEqual(applied.cpuLimitMilli(), reported.cpuLimitMilli(), CPU_LIMIT_TOLERANCE_MILLI)
                && applied.memoryLimitBytes() == reported.memoryLimitBytes();
    }

    private static boolean cpuEqual(long a, long b, long tolerance) {
        return a == b || (a <= tolerance && b <= tolerance);
    }
}
