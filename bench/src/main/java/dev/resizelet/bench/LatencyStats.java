package dev.resizelet.bench;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Percentiles of one latency histogram, in milliseconds (the histogram records nanoseconds), and the whole
 * percentile curve for the chart.
 *
 * @param count recorded values
 * @param curve (percentile, ms) points from 0 to 100 in HdrHistogram's percentile steps (denser towards the tail)
 */
public record LatencyStats(long count, double p50Ms, double p90Ms, double p99Ms, double p999Ms, double maxMs,
        double meanMs, List<Point> curve) {
    public static final LatencyStats EMPTY = new LatencyStats(0, 0, 0, 0, 0, 0, 0, List.of());

    /** One point of the percentile curve. */
    public record Point(double percentile, double ms) {
    }

    public LatencyStats {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative, got " + count);
        }
        curve = List.copyOf(requireNonNull(curve, "curve"));
    }

    /** Without a measured curve: the curve is the four percentiles and the maximum. */
    public LatencyStats(long count, double p50Ms, double p90Ms, double p99Ms, double p999Ms, double maxMs,
            double meanMs) {
        this(count, p50Ms, p90Ms, p99Ms, p999Ms, maxMs, meanMs, count == 0 ? List.of()
                : List.of(new Point(50, p50Ms), new Point(90, p90Ms), new Point(99, p99Ms), new Point(99.9, p999Ms),
                        new Point(100, maxMs)));
    }

    /** A histogram of nanosecond values in, percentiles in ms out. */
    public static LatencyStats of(Histogram nanos) {
        if (nanos.getTotalCount() == 0) {
            return EMPTY;
        }
        List<Point> curve = new ArrayList<>();
        double last = -1;
        for (HistogramIterationValue v : nanos.percentiles(5)) {
            double p = v.getPercentileLevelIteratedTo();
            if (p > last) {
                curve.add(new Point(p, ms(v.getValueIteratedTo())));
                last = p;
            }
            if (p >= 100) {
                break;
            }
        }
        return new LatencyStats(nanos.getTotalCount(),
                ms(nanos.getValueAtPercentile(50)), ms(nanos.getValueAtPercentile(90)),
                ms(nanos.getValueAtPercentile(99)), ms(nanos.getValueAtPercentile(99.9)),
                ms(nanos.getMaxValue()), nanos.getMean() / 1e6, curve);
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
