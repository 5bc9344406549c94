package dev.resizelet.core.enact;

/**
 * CPU and memory of one container, in the units enactment works with. Zero means "not set".
 *
 * @param cpuRequestMilli CPU request in millicores
 * @param cpuLimitMilli CPU limit in millicores
 * @param memoryRequestBytes memory request in bytes (never written to a cgroup; kept for status)
 * @param memoryLimitBytes memory limit in bytes
 */
public record ResourceValues(long cpuRequestMilli, long cpuLimitMilli, long memoryRequestBytes, long memoryLimitBytes) {
    public static final ResourceValues NONE = new ResourceValues(0, 0, 0, 0);

    public ResourceValues {
        if (cpuRequestMilli < 0 || cpuLimitMilli < 0 || memoryRequestBytes < 0 || memoryLimitBytes < 0) {
            throw new IllegalArgumentException("resource values must not be negative: cpuRequest=" + cpuRequestMilli
                    + "m cpuLimit=" + cpuLimitMilli + "m memoryRequest=" + memoryRequestBytes
                    + " memoryLimit=" + memoryLimitBytes);
        }
    }

    /** These values with the CPU fields of {@code other}. */
    public ResourceValues withCpuOf(ResourceValues other) {
        return new ResourceValues(other.cpuRequestMilli, other.cpuLimitMilli, memoryRequestBytes, memoryLimitBytes);
    }

    /** These values with the memory fields of {@code other}. */
    public ResourceValues withMemoryOf(ResourceValues other) {
        return new ResourceValues(cpuRequestMilli, cpuLimitMilli, other.memoryRequestBytes, other.memoryLimitBytes);
    }

    public boolean cpuDiffers(ResourceValues other) {
        return cpuRequestMilli != other.cpuRequestMilli || cpuLimitMilli != other.cpuLimitMilli;
    }

    public boolean memoryDiffers(ResourceValues other) {
        return memoryRequestBytes != other.memoryRequestBytes || memoryLimitBytes != other.memoryLimitBytes;
    }

    /** The CPU request the runtime is given: the request, or the limit when there is no request. */
    public long effectiveCpuRequestMilli() {
        return cpuRequestMilli > 0 ? cpuRequestMilli : cpuLimitMilli;
    }

    @Override
    public String toString() {
        return "cpu=" + cpuRequestMilli + "m/" + cpuLimitMilli + "m memory=" + memoryRequestBytes + "/" + memoryLimitBytes;
    }
}
