package dev.resizelet.bench;

import org.HdrHistogram.Histogram;

/**
 * Percentiles of one latency histogram, in milliseconds (the histogram records nanoseconds).
 *
 * @param count recorded values
 */
public record LatencyStats(long count, double p50Ms, double p90Ms, double p99Ms, double p999Ms, double maxMs,
        double meanMs) {
    public static final LatencyStats EMPTY = new LatencyStats(0, 0, 0, 0, 0, 0, 0);

    public LatencyStats {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative, got " + count);
        }
    }

    /** A histogram of nanosecond values in, percentiles in ms out. */
    public static LatencyStats of(Histogram nanos) {
        if (nanos.getTotalCount() == 0) {
            return EMPTY;
        }
        return new LatencyStats(nanos.getTotalCount(),
                ms(nanos.getValueAtPercentile(50)), ms(nanos.getValueAtPercentile(90)),
                ms(nanos.getValueAtPercentile(99)), ms(nanos.getValueAtPercentile(99.9)),
                ms(nanos.getMaxValue()), nanos.getMean() / 1e6);
    }

    /** A histogram for nanosecond latencies from 1 µs to 1 h at 3 significant digits. */
    public static Histogram newHistogram() {
        return new Histogram(1_000L, 3_600_000_000_000L, 3);
    }

    /** The value at {@code percentile} (50, 90, 99, 99.9). */
    public double atPercentile(double percentile) {
        if (percentile == 50) {
            return p50Ms;
        } else if (percentile == 90) {
            return p90Ms;
        } else if (percentile == 99) {
            return p99Ms;
        } else if (percentile == 99.9) {
            return p999Ms;
        }
        throw new IllegalArgumentException("percentile must be one of 50, 90, 99, 99.9, got " + percentile);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
