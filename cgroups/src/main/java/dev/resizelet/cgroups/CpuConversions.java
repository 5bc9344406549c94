package dev.resizelet.cgroups;

/**
 * The kubelet's CPU unit conversions (pkg/kubelet/cm/helpers_linux.go) and their inverses for status.
 */
public final class CpuConversions {
    public static final long MIN_SHARES = 2;
    public static final long MAX_SHARES = 262144;
    public static final long SHARES_PER_CPU = 1024;
    public static final long MILLI_CPU_TO_CPU = 1000;
    public static final long DEFAULT_PERIOD_US = 100_000;
    public static final long MIN_QUOTA_PERIOD_US = 1000;
    public static final long MIN_WEIGHT = 1;
    public static final long MAX_WEIGHT = 10_000;

    private CpuConversions() {
    }

    /** shares(m) = 2 if m = 0, else m*1024/1000, clamped to [2, 262144]. */
    public static long milliCpuToShares(long milliCpu) {
        if (milliCpu <= 0) {
            return MIN_SHARES;
        }
        long shares = milliCpu * SHARES_PER_CPU / MILLI_CPU_TO_CPU;
        return Math.max(MIN_SHARES, Math.min(MAX_SHARES, shares));
    }

    /** quota(m) = m*period/1000, at least 1000; no limit (m ≤ 0) → -1. */
    public static long milliCpuToQuota(long milliCpu, long periodUs) {
        if (milliCpu <= 0) {
            return CgroupResources.UNLIMITED;
        }
        long quota = milliCpu * periodUs / MILLI_CPU_TO_CPU;
        return Math.max(MIN_QUOTA_PERIOD_US, quota);
    }

    /** Status: cpu request = ceil(shares*1000/1024) (0 below the minimum, meaning "not set"). */
    public static long sharesToMilliCpu(long shares) {
        if (shares < MIN_SHARES) {
            return 0;
        }
        return (shares * MILLI_CPU_TO_CPU + SHARES_PER_CPU - 1) / SHARES_PER_CPU;
    }

    /** Status: cpu limit = quota*1000/period, 0 (no limit) when quota ≤ 0. */
    public static long quotaToMilliCpu(long quota, long periodUs) {
        if (quota <= 0 || periodUs <= 0) {
            return 0;
        }
        return quota * MILLI_CPU_TO_CPU / periodUs;
    }

    /** Kubelet's linear shares → cgroup v2 cpu.weight for pod cgroups: 1 + ((shares-2)*9999)/262142. */
    public static long sharesToWeightLinear(long shares) {
        if (shares >= MAX_SHARES) {
            return MAX_WEIGHT;
        }
        long s = Math.max(MIN_SHARES, shares);
        return MIN_WEIGHT + ((s - MIN_SHARES) * 9999) / (MAX_SHARES - MIN_SHARES);
    }

    /** Inverse of {@link #sharesToWeightLinear}: the smallest shares whose weight is {@code weight}. */
    public static long weightToSharesLinear(long weight) {
        long w = Math.max(MIN_WEIGHT, Math.min(MAX_WEIGHT, weight));
        if (w == MAX_WEIGHT) {
            return MAX_SHARES;
        }
        // ceil((w-1) * 262142 / 9999) + 2
        return MIN_SHARES + ((w - MIN_WEIGHT) * (MAX_SHARES - MIN_SHARES) + 9998) / 9999;
    }

    /**
     * runc's log-scale shares → weight (2025+): weight = ceil(10^((log2(shares)^2 + 125*log2(shares)) / 612 - 7/34)),
     * so that 2 → 1, 1024 → 100, 262144 → 10000.
     */
    public static long sharesToWeightLog(long shares) {
        if (shares <= 0) {
            return 0;
        }
        if (shares <= MIN_SHARES) {
            return MIN_WEIGHT;
        }
        if (shares >= MAX_SHARES) {
            return MAX_WEIGHT;
        }
        double l = Math.log(shares) / Math.log(2);
        double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
        // the epsilon keeps exact powers of ten (1024 shares → 100) from rounding up on floating-point noise
        long weight = (long) Math.ceil(Math.pow(10, exponent) - 1e-9);
        return Math.max(MIN_WEIGHT, Math.min(MAX_WEIGHT, weight));
    }
}
