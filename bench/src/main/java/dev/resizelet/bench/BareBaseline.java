package dev.resizelet.bench;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.v1.LinuxContainerResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * The baseline: bare {@code UpdateContainerResources} calls through the same client to the same runtime the agent
 * used, closed loop, on {@code threads} threads for a fixed time. Each call flips a container between two sets of
 * values, so every call changes something (the runtime writes the cgroup files each time).
 */
public final class BareBaseline {
    /** cpu 100m/200m, memory limit 128Mi, and the same one step up: what a storm resize sends. */
    static final LinuxContainerResources LOW = LinuxContainerResources.newBuilder()
            .setCpuShares(102).setCpuPeriod(100_000).setCpuQuota(20_000).setMemoryLimitInBytes(128L << 20).build();
    static final LinuxContainerResources HIGH = LinuxContainerResources.newBuilder()
            .setCpuShares(112).setCpuPeriod(100_000).setCpuQuota(22_000).setMemoryLimitInBytes(144L << 20).build();

    private BareBaseline() {
    }

    /**
     * One measured run.
     *
     * @param containerIds containers to update, spread over the threads (each thread owns its own ids)
     */
    public static BaselineResult run(CriRuntime client, List<String> containerIds, int threads, Duration duration) {
        requireNonNull(client, "client");
        requireNonNull(duration, "duration");
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (containerIds.size() < threads) {
            throw new IllegalArgumentException("need at least one container per thread: " + containerIds.size()
                    + " containers for " + threads + " threads");
        }
        List<Histogram> histograms = new ArrayList<>();
        long[] calls = new long[threads];
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        long durationNanos = duration.toNanos();
        for (int t = 0; t < threads; t++) {
            Histogram h = LatencyStats.newHistogram();
            histograms.add(h);
            List<String> mine = new ArrayList<>();
            for (int i = t; i < containerIds.size(); i += threads) {
                mine.add(containerIds.get(i));
            }
            int index = t;
            Thread w = new Thread(() -> {
                try {
                    start.await();
                    long end = System.nanoTime() + durationNanos;
                    long n = 0;
                    long now;
                    while ((now = System.nanoTime()) < end) {
                        String id = mine.get((int) (n % mine.size()));
                        LinuxContainerResources values = ((n / mine.size()) & 1) == 0 ? HIGH : LOW;
                        client.updateContainerResources(id, values);
                        h.recordValue(Math.max(1_000L, System.nanoTime() - now));
                        n++;
                    }
                    calls[index] = n;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            }, "bench-bare-" + t);
            workers.add(w);
            w.start();
        }
        long began = System.nanoTime();
        start.countDown();
        for (Thread w : workers) {
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the baseline threads", e);
            }
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        if (failure.get() != null) {
            throw new IllegalStateException("bare UpdateContainerResources failed: " + failure.get().getMessage(),
                    failure.get());
        }
        Histogram all = LatencyStats.newHistogram();
        histograms.forEach(all::add);
        long total = 0;
        for (long c : calls) {
            total += c;
        }
        return new BaselineResult(threads, total, seconds, total / seconds, LatencyStats.of(all));
    }

    /** What one baseline run measured. */
    public record BaselineResult(int threads, long calls, double seconds, double callsPerSecond, LatencyStats latency) {
        public BaselineResult {
            requireNonNull(latency, "latency");
        }
    }
}
