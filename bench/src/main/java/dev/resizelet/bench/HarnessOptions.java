package dev.resizelet.bench;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What one harness run does.
 *
 * @param criEndpoint a real runtime ({@code unix:///run/containerd/containerd.sock}), or null for the fake runtime
 *     on a Unix socket in a temp dir
 * @param cgroupRoot the cgroup root the agent writes under with a real runtime; the temp tree with the fake
 * @param image the image of every container (the real runtime must have it locally)
 * @param pods pods on the node
 * @param containers containers per pod
 * @param rate resizes per second in the rate-limited storm
 * @param duration length of the rate-limited storm
 * @param saturation length of the closed-loop phase that measures the agent's capacity (zero: skip)
 * @param concurrency resizes in flight in the saturation phase, and threads of the concurrent bare baseline
 * @param mix kinds of resize in the storm
 * @param out directory for {@code bench.json} and {@code latency.svg}, or null for none
 * @param micro whether to run the JMH admission microbenchmarks too (adds about a minute)
 * @param seed seed of the storm's random choices
 * @param relist the agent's relist interval (the kubelet's is 1 s)
 * @param stateOnTmpfs fake runtime only: the agent's state dir on tmpfs instead of disk, which takes the fsync of
 *     each checkpoint out of the figures (to see what the disk costs)
 * @param fakeInProcess fake runtime only: serve it in the harness's JVM instead of a child JVM (then the heap per pod
 *     includes the runtime's objects)
 * @param fakeHeap the child JVM's -Xmx (e.g. {@code 2g})
 * @param createThreads threads creating pods at once (the pod store group-commits concurrent creates)
 * @param idle how long the node is watched idle before the storm, to measure the relist's own CRI calls
 * @param senders threads sending the storm's resizes (each {@code update} returns once durable, so this bounds how
 *     many writes the agent can group-commit at once; an API server serves many clients at once)
 * @param warmup length of an uncounted storm like the measured one, run before the idle phase so the JIT has compiled
 *     what the storm runs (zero: skip)
 * @param restores how many times the restore phase runs (each a new agent on the same state and runtime); the first
 *     is the reported figure, the others are logged (a JIT-warm restart)
 * @param keepState a directory to copy the agent's state dir into once the first agent closed (null: none), for
 *     {@code restoreOnly} runs
 * @param restoreOnly a kept state dir (null: a full run): only the restore phase runs, on a copy of it; the runtime
 *     is first given the pods (an agent started on the copy starts them) unless it already runs them
 */
public record HarnessOptions(String criEndpoint, Path cgroupRoot, String image, int pods, int containers, double rate,
        Duration duration, Duration saturation, int concurrency, ResizeMix mix, Path out, boolean micro, long seed,
        Duration relist, boolean stateOnTmpfs, boolean fakeInProcess, String fakeHeap, int createThreads,
        Duration idle, int senders, Duration warmup, int restores, Path keepState, Path restoreOnly) {
    public HarnessOptions {
        if (restores < 1) {
            throw new IllegalArgumentException("--restores must be at least 1, got " + restores);
        }
        requireNonNull(image, "image");
        requireNonNull(duration, "duration");
        requireNonNull(saturation, "saturation");
        requireNonNull(mix, "mix");
        requireNonNull(relist, "relist");
        requireNonNull(fakeHeap, "fakeHeap");
        requireNonNull(idle, "idle");
        requireNonNull(warmup, "warmup");
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("--warmup must not be negative, got " + warmup);
        }
        if (senders < 1) {
            throw new IllegalArgumentException("--senders must be at least 1, got " + senders);
        }
        if (createThreads < 1) {
            throw new IllegalArgumentException("--create-threads must be at least 1, got " + createThreads);
        }
        if (relist.isNegative() || relist.isZero()) {
            throw new IllegalArgumentException("--relist must be positive, got " + relist);
        }
        if (pods < 1) {
            throw new IllegalArgumentException("--pods must be at least 1, got " + pods);
        }
        if (containers < 1 || containers > 16) {
            throw new IllegalArgumentException("--containers must be in 1..16, got " + containers);
        }
        if (!(rate > 0)) {
            throw new IllegalArgumentException("--rate must be positive, got " + rate);
        }
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("--duration must be positive, got " + duration);
        }
        if (saturation.isNegative()) {
            throw new IllegalArgumentException("--saturation must not be negative, got " + saturation);
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("--concurrency must be at least 1, got " + concurrency);
        }
        if (concurrency > pods) {
            throw new IllegalArgumentException("--concurrency (" + concurrency + ") must not exceed --pods (" + pods
                    + "): each resize in flight needs its own pod");
        }
    }

    public boolean fakeRuntime() {
        return criEndpoint == null;
    }

    /** The options of a small, short run (tests): fake runtime in a child JVM, state on disk. */
    static HarnessOptions small(int pods, double rate, Duration duration, Duration saturation, int concurrency,
            ResizeMix mix, Path out) {
        return new HarnessOptions(null, null, "busybox", pods, 2, rate, duration, saturation, concurrency, mix, out,
                false, 7, Duration.ofSeconds(1), false, false, "512m", 4, Duration.ofSeconds(2), 8,
                Duration.ZERO, 1, null, null);
    }
}
