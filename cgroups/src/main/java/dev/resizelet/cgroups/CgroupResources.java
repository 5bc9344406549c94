package dev.resizelet.cgroups;

/**
 * Resource values of one cgroup, in cgroup v1 units. {@code null} means "leave unchanged" when writing
 * and "not set / unreadable" when reading. {@code cpuQuota == -1} and {@code memoryLimitBytes == -1}
 * mean unlimited ({@code max} on v2).
 */
public record CgroupResources(Long cpuShares, Long cpuQuota, Long cpuPeriod, Long memoryLimitBytes) {
    public static final long UNLIMITED = -1;
    public static final CgroupResources NONE = new CgroupResources(null, null, null, null);

    public CgroupResources {
        if (cpuShares != null && cpuShares < 2) {
            throw new IllegalArgumentException("cpu shares must be at least 2, got " + cpuShares);
        }
        if (cpuQuota != null && cpuQuota < UNLIMITED) {
            throw new IllegalArgumentException("cpu quota must be -1 (unlimited) or positive, got " + cpuQuota);
        }
        if (cpuPeriod != null && cpuPeriod <= 0) {
            throw new IllegalArgumentException("cpu period must be positive, got " + cpuPeriod);
        }
        if (memoryLimitBytes != null && (memoryLimitBytes < UNLIMITED || memoryLimitBytes == 0)) {
            throw new IllegalArgumentException("memory limit must be -1 (unlimited) or positive, got " + memoryLimitBytes);
        }
    }

    public CgroupResources withMemoryLimit(Long bytes) {
        return new CgroupResources(cpuShares, cpuQuota, cpuPeriod, bytes);
    }

    public CgroupResources cpuOnly() {
        return withMemoryLimit(null);
    }

    public CgroupResources memoryOnly() {
        return new CgroupResources(null, null, null, memoryLimitBytes);
    }
}
