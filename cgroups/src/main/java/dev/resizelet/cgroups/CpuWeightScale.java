package dev.resizelet.cgroups;

/**
 * How cgroup v2 {@code cpu.weight} is derived from cgroup v1 shares. The kubelet writes pod cgroups with
 * {@link #LINEAR}; runc ≥ 1.3.2 and crun ≥ 1.23 write containers with {@link #LOG}.
 */
public enum CpuWeightScale {
    LINEAR,
    LOG;

    public long toWeight(long shares) {
        return this == LINEAR ? CpuConversions.sharesToWeightLinear(shares) : CpuConversions.sharesToWeightLog(shares);
    }

    /** The smallest shares whose weight is {@code weight} under this scale. */
    public long toShares(long weight) {
        return this == LINEAR ? CpuConversions.weightToSharesLinear(weight) : CpuConversions.weightToSharesLog(weight);
    }
}
