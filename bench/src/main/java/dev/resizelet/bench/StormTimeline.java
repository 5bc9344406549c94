package dev.resizelet.bench;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The storm's request→status-visible latency cut by send time into fixed windows: a percentile over the whole storm
 * cannot tell a slow path (every window slow) from a stall (a few windows very slow), this can.
 * Thread-safe: the watch threads record, the run's thread reads at the end.
 */
final class StormTimeline {
    /** One window of sends: the resizes sent in [startSeconds, startSeconds + window) that became visible. */
    record Window(double startSeconds, long count, double p50Ms, double p99Ms, double maxMs) {
    }

    private final long windowNanos;
    private final List<Histogram> windows = new ArrayList<>();
    private long startNanos;

    StormTimeline(long windowNanos) {
        if (windowNanos <= 0) {
            throw new IllegalArgumentException("window must be positive, got " + windowNanos + " ns");
        }
        this.windowNanos = windowNanos;
    }

    /** Starts a new timeline at {@code startNanos} (System.nanoTime of the storm's first send). */
    synchronized void reset(long startNanos) {
        this.startNanos = startNanos;
        windows.clear();
    }

    /** A resize sent at {@code sendNanos} became visible {@code latencyNanos} later; sends before the start are ignored. */
    synchronized void record(long sendNanos, long latencyNanos) {
        long offset = sendNanos - startNanos;
        if (offset < 0) {
            return;
        }
        int index = (int) (offset / windowNanos);
        while (windows.size() <= index) {
            // 2 significant digits up to a minute: ~20 KiB a window, not the 3-digit hour-long histogram's ~200 KiB,
            // whose forty copies the agent's young collections would have to carry through the storm
            windows.add(new Histogram(1_000L, 60_000_000_000L, 2));
        }
        windows.get(index).recordValue(Math.min(60_000_000_000L, Math.max(1_000L, latencyNanos)));
    }

    /** Every window from the start to the last one with a value, empty ones included (count 0). */
    synchronized List<Window> windows() {
        List<Window> out = new ArrayList<>(windows.size());
        for (int i = 0; i < windows.size(); i++) {
            Histogram h = windows.get(i);
            double start = i * windowNanos / 1e9;
            out.add(h.getTotalCount() == 0 ? new Window(start, 0, 0, 0, 0)
                    : new Window(start, h.getTotalCount(), h.getValueAtPercentile(50) / 1e6,
                            h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6));
        }
        return out;
    }
}
