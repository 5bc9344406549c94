package dev.resizelet.cgroups;

/**
 * The kubelet's CPU unit conversions and their inverses for status.
 *
 * <p>Facts from the kubelet ({@code pkg/kubelet/cm/helpers_linux.go}, {@code cgroup_manager_linux.go},
 * {@code kuberuntime/helpers_linux.go}) and from runc / opencontainers/cgroups ≥ 1.3.2 for the log-scale
 * weight. Negative inputs are programming errors and are rejected; zero keeps the kubelet's meaning
 * ("no request" → minimum shares, "no limit" → unlimited quota).
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

    /** shares(m) = 2 if m = 0, else m*1024/1000 (integer division), clamped to [2, 262144] (kubelet MilliCPUToShares). */
    public static long milliCpuToShares(long milliCpu) {
        requireNotNegative("milliCpu", milliCpu);
        if (milliCpu == 0) {
            return MIN_SHARES;
        }
        long shares = Math.multiplyExact(milliCpu, SHARES_PER_CPU) / MILLI_CPU_TO_CPU;
        return Math.max(MIN_SHARES, Math.min(MAX_SHARES, shares));
    }

    /**
     * quota(m) = m*period/1000 (integer division), at least 1000 (kubelet MilliCPUToQuota). No limit (m = 0) is
     * {@link CgroupResources#UNLIMITED} (-1 on v1, {@code max} on v2), where the kubelet's helper returns 0 and its
     * callers substitute -1.
     */
    public static long milliCpuToQuota(long milliCpu, long periodUs) {
        requireNotNegative("milliCpu", milliCpu);
        if (periodUs <= 0) {
            throw new IllegalArgumentException("cpu period must be positive, got " + periodUs);
        }
        if (milliCpu == 0) {
            return CgroupResources.UNLIMITED;
        }
        long quota = Math.multiplyExact(milliCpu, periodUs) / MILLI_CPU_TO_CPU;
        return Math.max(MIN_QUOTA_PERIOD_US, quota);
    }

    /** Status: cpu request = ceil(shares*1000/1024); 0 ("not set") below the minimum of 2 shares. */
    public static long sharesToMilliCpu(long shares) {
        if (shares < MIN_SHARES) {
            return 0;
        }
        return (shares * MILLI_CPU_TO_CPU + SHARES_PER_CPU - 1) / SHARES_PER_CPU;
    }

    /** Status: cpu limit = quota*1000/period (integer division); 0 ("no limit") when quota ≤ 0 (-1 = unlimited). */
    public static long quotaToMilliCpu(long quota, long periodUs) {
        if (quota <= 0 || periodUs <= 0) {
            return 0;
        }
        return quota * MILLI_CPU_TO_CPU / periodUs;
    }

    /**
     * Kubelet's linear shares → cgroup v2 {@code cpu.weight} (pod and QoS cgroups): 1 + ((shares-2)*9999)/262142.
     * Shares are clamped to [2, 262144] first, so the result is always in [1, 10000].
     */
    public static long sharesToWeightLinear(long shares) {
        long s = clampShares(shares);
        return MIN_WEIGHT + ((s - MIN_SHARES) * (MAX_WEIGHT - MIN_WEIGHT)) / (MAX_SHARES - MIN_SHARES);
    }

    /**
     * Exact inverse of {@link #sharesToWeightLinear}: the smallest shares whose weight is {@code weight}, so that
     * {@code sharesToWeightLinear(weightToSharesLinear(w)) == w} for every w in [1, 10000]. (The kubelet's own
     * {@link #kubeletWeightToShares} rounds down and does not round-trip: weight 39 → 998 shares → weight 38.)
     */
    public static long weightToSharesLinear(long weight) {
        long w = clampWeight(weight);
        if (w == MAX_WEIGHT) {
            return MAX_SHARES;
        }
        long span = MAX_SHARES - MIN_SHARES;
        long steps = MAX_WEIGHT - MIN_WEIGHT;
        return MIN_SHARES + ((w - MIN_WEIGHT) * span + steps - 1) / steps;
    }

    /** The kubelet's CpuWeightToCpuShares, verbatim arithmetic: ((weight-1)*262142)/9999 + 2 (rounds down). */
    public static long kubeletWeightToShares(long weight) {
        long w = clampWeight(weight);
        return ((w - MIN_WEIGHT) * (MAX_SHARES - MIN_SHARES)) / (MAX_WEIGHT - MIN_WEIGHT) + MIN_SHARES;
    }

    /**
     * runc's (≥ 1.3.2, opencontainers/cgroups ConvertCPUSharesToCgroupV2Value) log-scale shares → weight:
     * l = log2(shares); weight = ceil(10^((l² + 125·l)/612 − 7/34)); 0 → 0 (unset), ≤ 2 → 1, ≥ 262144 → 10000.
     * Fits the minimum (2 → 1), the default (1024 → 100) and the maximum (262144 → 10000).
     */
    public static long sharesToWeightLog(long shares) {
        requireNotNegative("shares", shares);
        if (shares == 0) {
            return 0;
        }
        if (shares <= MIN_SHARES) {
            return MIN_WEIGHT;
        }
        if (shares >= MAX_SHARES) {
            return MAX_WEIGHT;
        }
        double l = log2(shares);
        double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
        return (long) Math.ceil(Math.pow(10, exponent));
    }

    /**
     * Exact inverse of {@link #sharesToWeightLog}: the smallest shares in [2, 262144] whose log-scale weight is at
     * least {@code weight} (every weight in [1, 10000] is reached, so the round trip is exact).
     */
    public static long weightToSharesLog(long weight) {
        long w = clampWeight(weight);
        long lo = MIN_SHARES;
        long hi = MAX_SHARES;
        while (lo < hi) {
            long mid = (lo + hi) >>> 1;
            if (sharesToWeightLog(mid) >= w) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /**
     * Whether a {@code cpu.weight} read from a v2 cgroup matches {@code shares} under either formula: the kubelet
     * writes pod cgroups with the linear one, newer runc writes containers with the log-scale one.
     */
    public static boolean weightMatchesShares(long weight, long shares) {
        return weight == sharesToWeightLinear(shares) || weight == sharesToWeightLog(Math.max(shares, MIN_SHARES));
    }

    /** log2 that is exact for powers of two (as Go's math.Log2 is), so 1024 shares give exactly exponent 2. */
    private static double log2(long x) {
        if (Long.bitCount(x) == 1) {
            return Long.numberOfTrailingZeros(x);
        }
        return Math.log(x) / Math.log(2);
    }

    private static long clampShares(long shares) {
        return Math.max(MIN_SHARES, Math.min(MAX_SHARES, shares));
    }

    private static long clampWeight(long weight) {
        return Math.max(MIN_WEIGHT, Math.min(MAX_WEIGHT, weight));
    }

    private static void requireNotNegative(String what, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " must not be negative, got " + value);
        }
    }
}
