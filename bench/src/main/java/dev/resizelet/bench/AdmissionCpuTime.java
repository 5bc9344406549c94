package dev.resizelet.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@link AdmissionBenchmark#decide()} timed in the thread's CPU time as well as wall time: on a machine shared with
 * other work (load average far above the core count) JMH's wall-clock score measures the scheduler, while CPU
 * nanoseconds per decision stay close to what the decision costs. Same node, same calls as the JMH benchmark.
 *
 * <p>{@code java -cp bench/target/bench.jar dev.resizelet.bench.AdmissionCpuTime [pods...]} (default 100 1000 10000).
 */
public final class AdmissionCpuTime {
    private static final int WARMUP_OPS = 300_000;
    private static final int OPS = 300_000;
    private static final int ROUNDS = 5;

    private AdmissionCpuTime() {
    }

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        int[] podCounts = args.length == 0 ? new int[] {100, 1000, 10_000}
                : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int pods : podCounts) {
            AdmissionBenchmark b = new AdmissionBenchmark();
            b.pods = pods;
            b.fillNode();
            Object sink = null;
            for (int i = 0; i < WARMUP_OPS; i++) {
                sink = b.decide();
            }
            double[] cpu = new double[ROUNDS];
            double[] wall = new double[ROUNDS];
            for (int r = 0; r < ROUNDS; r++) {
                long c0 = threads.getCurrentThreadCpuTime();
                long w0 = System.nanoTime();
                for (int i = 0; i < OPS; i++) {
                    sink = b.decide();
                }
                cpu[r] = (threads.getCurrentThreadCpuTime() - c0) / (double) OPS;
                wall[r] = (System.nanoTime() - w0) / (double) OPS;
            }
            Arrays.sort(cpu);
            Arrays.sort(wall);
            System.out.printf(Locale.ROOT, "admission pods=%d cpu ns/op median=%.0f min=%.0f max=%.0f; wall ns/op median=%.0f (%s)%n",
                    pods, cpu[ROUNDS / 2], cpu[0], cpu[ROUNDS - 1], wall[ROUNDS / 2], sink == null ? "-" : "ok");
        }
    }
}
