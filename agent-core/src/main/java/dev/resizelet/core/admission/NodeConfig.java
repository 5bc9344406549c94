package dev.resizelet.core.admission;

import java.time.Duration;
import java.util.Objects;

/**
 * Node configuration admission depends on.
 *
 * @param cpuManagerPolicy    {@code none} or {@code static} (kubelet --cpu-manager-policy)
 * @param memoryManagerPolicy {@code None} or {@code Static} (kubelet --memory-manager-policy)
 * @param retryInterval       how often deferred resizes are retried even without a trigger
 */
public record NodeConfig(NodeAllocatable allocatable, CpuManagerPolicy cpuManagerPolicy,
        MemoryManagerPolicy memoryManagerPolicy, Duration retryInterval) {

    public enum CpuManagerPolicy { NONE, STATIC }

    public enum MemoryManagerPolicy { NONE, STATIC }

    public NodeConfig {
        Objects.requireNonNull(allocatable, "allocatable");
        Objects.requireNonNull(cpuManagerPolicy, "cpuManagerPolicy");
        Objects.requireNonNull(memoryManagerPolicy, "memoryManagerPolicy");
        Objects.requireNonNull(retryInterval, "retryInterval");
        if (retryInterval.isNegative() || retryInterval.isZero()) {
            throw new IllegalArgumentException("retryInterval must be positive, got " + retryInterval);
        }
    }

    /** Default policies (none/None) and a 3 minute retry timer, as the kubelet's. */
    public static NodeConfig of(NodeAllocatable allocatable) {
        return new NodeConfig(allocatable, CpuManagerPolicy.NONE, MemoryManagerPolicy.NONE, Duration.ofMinutes(3));
    }
}
