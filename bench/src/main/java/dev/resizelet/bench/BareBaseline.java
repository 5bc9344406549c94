package dev.resizelet.bench;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.CriUnimplementedException;
import dev.resizelet.cri.v1.UpdatePodSandboxResourcesRequest;
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

    /** Pod-level values a bare UpdatePodSandboxResources alternates between (two containers of LOW / HIGH). */
    static final LinuxContainerResources POD_LOW = LinuxContainerResources.newBuilder()
            .setCpuShares(204).setCpuPeriod(100_000).setCpuQuota(40_000).setMemoryLimitInBytes(256L << 20).build();
    static final LinuxContainerResources POD_HIGH = LinuxContainerResources.newBuilder()
            .setCpuShares(224).setCpuPeriod(100_000).setCpuQuota(44_000).setMemoryLimitInBytes(288L << 20).build();

    /** One pod of the resize-shaped baseline: its containers and its sandbox (null when unknown). */
    public record BarePod(List<String> containerIds, String sandboxId) {
        public BarePod {
            containerIds = List.copyOf(containerIds);
        }
    }

    /**
     * Whether the runtime serves UpdatePodSandboxResources: one call with the pod's values (runtimes before CRI 1.33,
     * containerd 1.6 among them, answer Unimplemented).
     */
    public static boolean hasSandboxUpdate(CriRuntime client, BarePod pod) {
        if (pod.sandboxId() == null) {
            return false;
        }
        try {
            client.updatePodSandboxResources(UpdatePodSandboxResourcesRequest.newBuilder()
                    .setPodSandboxId(pod.sandboxId()).setResources(POD_LOW).build());
            return true;
        } catch (CriUnimplementedException e) {
            return false;
        }
    }

    /**
     * The calls a resize minimally needs, made bare, closed loop: per pod, for each container one
     * {@code UpdateContainerResources} then one {@code ContainerStatus}, then one {@code UpdatePodSandboxResources}
     * when {@code sandboxUpdate}. Each thread owns its pods. Calls/s counts every call; {@code sequence} is the
     * latency of one pod's whole sequence; per-RPC latencies are kept apart.
     */
    public static ResizeBaseline runResizeShaped(CriRuntime client, List<BarePod> pods, boolean sandboxUpdate,
            int threads, Duration duration) {
        requireNonNull(client, "client");
        if (threads < 1 || pods.size() < threads) {
            throw new IllegalArgumentException("need at least one pod per thread: " + pods.size() + " pods for "
                    + threads + " threads");
        }
        Histogram update = LatencyStats.newHistogram();
        Histogram status = LatencyStats.newHistogram();
        Histogram sandbox = LatencyStats.newHistogram();
        Histogram sequence = LatencyStats.newHistogram();
        long[] calls = new long[threads];
        long[] sequences = new long[threads];
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        long durationNanos = duration.toNanos();
        for (int t = 0; t < threads; t++) {
            List<BarePod> mine = new ArrayList<>();
            for (int i = t; i < pods.size(); i += threads) {
                mine.add(pods.get(i));
            }
            int index = t;
            Thread w = new Thread(() -> {
                Histogram u = LatencyStats.newHistogram();
                Histogram st = LatencyStats.newHistogram();
                Histogram sb = LatencyStats.newHistogram();
                Histogram seq = LatencyStats.newHistogram();
                try {
                    start.await();
                    long end = System.nanoTime() + durationNanos;
                    long n = 0;
                    long c = 0;
                    long began;
                    while ((began = System.nanoTime()) < end) {
                        BarePod pod = mine.get((int) (n % mine.size()));
                        boolean high = ((n / mine.size()) & 1) == 0;
                        for (String id : pod.containerIds()) {
                            long t0 = System.nanoTime();
                            client.updateContainerResources(id, high ? HIGH : LOW);
                            long t1 = System.nanoTime();
                            client.containerStatus(id);
                            long t2 = System.nanoTime();
                            u.recordValue(Math.max(1_000L, t1 - t0));
                            st.recordValue(Math.max(1_000L, t2 - t1));
                            c += 2;
                        }
                        if (sandboxUpdate && pod.sandboxId() != null) {
                            long t0 = System.nanoTime();
                            client.updatePodSandboxResources(UpdatePodSandboxResourcesRequest.newBuilder()
                                    .setPodSandboxId(pod.sandboxId()).setResources(high ? POD_HIGH : POD_LOW).build());
                            sb.recordValue(Math.max(1_000L, System.nanoTime() - t0));
                            c++;
                        }
                        seq.recordValue(Math.max(1_000L, System.nanoTime() - began));
                        n++;
                    }
                    calls[index] = c;
                    sequences[index] = n;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
                synchronized (update) {
                    update.add(u);
                    status.add(st);
                    sandbox.add(sb);
                    sequence.add(seq);
                }
            }, "bench-bare-resize-" + t);
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
            throw new IllegalStateException("bare resize-shaped calls failed: " + failure.get().getMessage(),
                    failure.get());
        }
        long total = 0;
        long seqs = 0;
        for (int t = 0; t < threads; t++) {
            total += calls[t];
            seqs += sequences[t];
        }
        synchronized (update) {
            return new ResizeBaseline(threads, total, seconds, total / seconds, seqs / seconds, sandboxUpdate,
                    LatencyStats.of(sequence), LatencyStats.of(update), LatencyStats.of(status),
                    LatencyStats.of(sandbox));
        }
    }

    /**
     * What one resize-shaped baseline run measured.
     *
     * @param callsPerSecond every call (updates, status reads, sandbox updates) per second
     * @param sequencesPerSecond whole per-pod sequences per second (a bare "resize")
     * @param sequence latency of one pod's whole sequence
     */
    public record ResizeBaseline(int threads, long calls, double seconds, double callsPerSecond,
            double sequencesPerSecond, boolean sandboxUpdate, LatencyStats sequence, LatencyStats update,
            LatencyStats status, LatencyStats sandbox) {
    }

    /** What one baseline run measured. */
    public record BaselineResult(int threads, long calls, double seconds, double callsPerSecond, LatencyStats latency) {
        public BaselineResult {
            requireNonNull(latency, "latency");
        }
    }
}
