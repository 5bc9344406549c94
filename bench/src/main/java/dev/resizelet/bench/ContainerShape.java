package dev.resizelet.bench;

import dev.resizelet.cgroups.CpuConversions;
import dev.resizelet.cri.v1.LinuxContainerResources;

/**
 * One container's resources as the storm plans them: cpu in millicores, memory in bytes. Every shape keeps a
 * memory request below the memory limit, so the pod stays Burstable whatever the storm does to cpu.
 */
public record ContainerShape(long cpuRequestMilli, long cpuLimitMilli, long memoryRequestBytes,
        long memoryLimitBytes) {
    public static final long MIB = 1L << 20;
    /** Level 0: cpu 100m/200m, memory 64Mi/128Mi. */
    public static final ContainerShape BASE = new ContainerShape(100, 200, 64 * MIB, 128 * MIB);
    /** Highest level UP reaches. */
    public static final int MAX_LEVEL = 4;

    public ContainerShape {
        if (cpuRequestMilli <= 0 || cpuLimitMilli < cpuRequestMilli) {
            throw new IllegalArgumentException("need 0 < cpu request <= cpu limit, got " + cpuRequestMilli + "m/"
                    + cpuLimitMilli + "m");
        }
        if (memoryRequestBytes <= 0 || memoryLimitBytes <= memoryRequestBytes) {
            throw new IllegalArgumentException("need 0 < memory request < memory limit, got " + memoryRequestBytes
                    + "/" + memoryLimitBytes);
        }
    }

    /**
     * The shape at {@code level} (0..{@link #MAX_LEVEL}): +10m request, +20m limit, +16Mi memory limit per level;
     * {@code wide} adds 8Mi to the memory limit (what a FITS resize toggles).
     */
    public static ContainerShape at(int level, boolean wide) {
        if (level < 0 || level > MAX_LEVEL) {
            throw new IllegalArgumentException("level must be in 0.." + MAX_LEVEL + ", got " + level);
        }
        return new ContainerShape(BASE.cpuRequestMilli + 10L * level, BASE.cpuLimitMilli + 20L * level,
                BASE.memoryRequestBytes, BASE.memoryLimitBytes + 16 * MIB * level + (wide ? 8 * MIB : 0));
    }

    /** A shape asking for {@code cpuMilli} as request and limit (memory as at level 0). */
    public static ContainerShape cpuHog(long cpuMilli) {
        return new ContainerShape(cpuMilli, cpuMilli, BASE.memoryRequestBytes, BASE.memoryLimitBytes);
    }

    /** What the agent should send over CRI for this shape (DESIGN §5). */
    public LinuxContainerResources toCri() {
        return LinuxContainerResources.newBuilder()
                .setCpuShares(CpuConversions.milliCpuToShares(cpuRequestMilli))
                .setCpuPeriod(CpuConversions.DEFAULT_PERIOD_US)
                .setCpuQuota(CpuConversions.milliCpuToQuota(cpuLimitMilli, CpuConversions.DEFAULT_PERIOD_US))
                .setMemoryLimitInBytes(memoryLimitBytes)
                .build();
    }

    /** Whether an UpdateContainerResources body carries this shape's values. */
    public boolean matches(LinuxContainerResources sent) {
        return matches(sent.getCpuShares(), sent.getCpuQuota(), sent.getMemoryLimitInBytes());
    }

    /** Whether these CRI values (shares, quota, memory limit) are this shape's. */
    public boolean matches(long cpuShares, long cpuQuota, long memoryLimitBytes) {
        return cpuShares == CpuConversions.milliCpuToShares(cpuRequestMilli)
                && cpuQuota == CpuConversions.milliCpuToQuota(cpuLimitMilli, CpuConversions.DEFAULT_PERIOD_US)
                && memoryLimitBytes == this.memoryLimitBytes;
    }
}
