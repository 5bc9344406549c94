package dev.resizelet.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The load harness: {@code scripts/bench.sh [options]}. Starts the agent in-process on the fake runtime (a Unix
 * socket in a temp dir) or on a real runtime ({@code --cri-endpoint}), drives a resize storm, and prints the
 * figures beside the bare-call baseline; {@code --out} also writes {@code bench.json} and {@code latency.svg}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measures admission and enactment against the bare CRI call.")
public final class LoadHarness implements Callable<Integer> {
    @Option(names = "--pods", description = "pods on the node (default ${DEFAULT-VALUE})")
    int pods = 1000;
    @Option(names = "--containers", description = "containers per pod (default ${DEFAULT-VALUE})")
    int containers = 2;
    @Option(names = "--rate", description = "resizes per second in the storm (default ${DEFAULT-VALUE})")
    double rate = 500;
    @Option(names = "--duration", description = "storm length, e.g. 30s, 2m (default ${DEFAULT-VALUE})")
    String duration = "30s";
    @Option(names = "--saturation", description = "closed-loop capacity phase length, 0 to skip (default ${DEFAULT-VALUE})")
    String saturation = "10s";
    @Option(names = "--concurrency", description = "resizes in flight at saturation = bare baseline threads (default ${DEFAULT-VALUE})")
    int concurrency = 4;
    @Option(names = "--mix", description = "weights of resize kinds (default ${DEFAULT-VALUE})")
    String mix = ResizeMix.DEFAULT;
    @Option(names = "--cri-endpoint", description = "a real runtime, e.g. unix:///run/containerd/containerd.sock (default: the fake runtime)")
    String criEndpoint;
    @Option(names = "--cgroup-root", description = "cgroup root with --cri-endpoint (default ${DEFAULT-VALUE})")
    Path cgroupRoot = Path.of("/sys/fs/cgroup");
    @Option(names = "--image", description = "container image; with a real runtime it must be local (default ${DEFAULT-VALUE})")
    String image = "docker.io/resizelet/busybox:1";
    @Option(names = "--out", description = "directory for bench.json and latency.svg (default ${DEFAULT-VALUE})")
    Path out = Path.of("bench-out");
    @Option(names = "--micro", negatable = true, defaultValue = "true", fallbackValue = "true", description = "also run the JMH admission benchmark (default ${DEFAULT-VALUE})")
    boolean micro;
    @Option(names = "--seed", description = "random seed of the storm (default ${DEFAULT-VALUE})")
    long seed = 1287;
    @Option(names = "--relist", description = "the agent's relist interval (default ${DEFAULT-VALUE}, the kubelet's)")
    String relist = "1s";
    @Option(names = "--state-on-tmpfs", description = "fake runtime: the agent's checkpoints on tmpfs, not disk (no fsync cost)")
    boolean stateOnTmpfs;
    @Option(names = "--fake-in-process", description = "serve the fake runtime in this JVM, not a child JVM (the heap figure then includes the runtime)")
    boolean fakeInProcess;
    @Option(names = "--fake-heap", description = "-Xmx of the fake runtime's JVM (default ${DEFAULT-VALUE})")
    String fakeHeap = "2g";
    @Option(names = "--create-threads", description = "threads creating pods at once (default ${DEFAULT-VALUE})")
    int createThreads = 8;
    @Option(names = "--senders", description = "threads sending the storm's resizes at once (default ${DEFAULT-VALUE})")
    int senders = 64;
    @Option(names = "--idle", description = "idle time before the storm that measures the relist's own CRI calls (default: 10 relists, 2-10 s)")
    String idle;
    @Option(names = "--warmup", description = "a storm like the measured one, run first and not counted, so the JIT "
            + "has compiled the paths the storm takes (a node agent runs for months; 0s to skip; default ${DEFAULT-VALUE})")
    String warmup = "10s";
    @Option(names = "--restores", description = "how many times the restore phase runs; the first is reported, the "
            + "others logged (default ${DEFAULT-VALUE})")
    int restores = 1;
    @Option(names = "--keep-state", description = "copy the agent's state dir here once the first agent closed, for "
            + "--restore-only runs")
    Path keepState;
    @Option(names = "--restore-only", description = "a state dir kept with --keep-state: run only the restore phase on "
            + "a copy of it (the runtime is first given the pods unless it runs them; --pods must match)")
    Path restoreOnly;

    public static void main(String[] args) {
        // the agent logs every admission at info: at hundreds of resizes/s that would measure stderr, not the agent
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.setProperty("org.slf4j.simpleLogger.log.dev.resizelet.bench",
                System.getProperty("org.slf4j.simpleLogger.log.dev.resizelet.bench", "info"));
        System.exit(new CommandLine(new LoadHarness()).execute(args));
    }

    HarnessOptions options() {
        return new HarnessOptions(criEndpoint, cgroupRoot, image, pods, containers, rate, parseDuration(duration, "--duration"),
                parseDuration(saturation, "--saturation"), concurrency, ResizeMix.parse(mix), out, micro, seed,
                parseDuration(relist, "--relist"), stateOnTmpfs, fakeInProcess, fakeHeap, createThreads,
                idle != null ? parseDuration(idle, "--idle") : defaultIdle(parseDuration(relist, "--relist")), senders,
                parseDuration(warmup, "--warmup"), restores, keepState, restoreOnly);
    }

    @Override
    public Integer call() {
        HarnessOptions o = options();
        if (o.restoreOnly() != null) {
            System.out.print(new LoadRun(o).restoreOnly());
            return 0;
        }
        BenchReport report = new LoadRun(o).run();
        System.out.print(ReportTable.render(report));
        if (o.out() != null) {
            for (Path p : ReportWriter.write(report, o.out())) {
                System.out.println("wrote " + p.toAbsolutePath());
            }
        }
        return 0;
    }

    /** Ten relist intervals, at least 2 s and at most 10 s (every tenth relist re-reads every pod). */
    static Duration defaultIdle(Duration relist) {
        Duration ten = relist.multipliedBy(10);
        return ten.compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofSeconds(2)
                : ten.compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10) : ten;
    }

    /** {@code 30s}, {@code 500ms}, {@code 2m}, or an ISO-8601 duration. */
    static Duration parseDuration(String text, String flag) {
        String t = text.trim();
        try {
            if (t.equals("0")) {
                return Duration.ZERO;
            } else if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            } else if (t.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
            } else if (t.endsWith("m")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
            }
            return Duration.parse(t);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid " + flag + " \"" + text + "\": use 30s, 500ms, 2m or PT30S");
        }
    }
}
