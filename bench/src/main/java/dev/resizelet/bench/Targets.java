package dev.resizelet.bench;

import dev.resizelet.bench.BenchReport.AgentFigures;
import dev.resizelet.bench.BenchReport.Bare;
import dev.resizelet.bench.BenchReport.RunInfo;
import dev.resizelet.bench.BenchReport.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The targets, judged on one run's figures, and the agent ÷ bare ratios. Reported, never asserted. */
final class Targets {
    /** Key prefix of admission figures in {@link BenchReport#micro()}: {@code admission.pods=100} → ns/op. */
    static final String ADMISSION_KEY = "admission.pods=";
    static final double ADMISSION_MAX_NS = 2_000;
    static final double ADMISSION_MAX_GROWTH = 1.5;
    static final double VISIBLE_P99_MAX_MS = 20;
    static final double COMPLETED_MIN_SHARE_OF_BARE = 0.5;
    static final long HEAP_MAX_BYTES_PER_POD = 8 * 1024;
    static final double RESTORE_MAX_SECONDS = 1;
    static final double CONTAINERD_MAX_OVERHEAD = 0.10;

    private Targets() {
    }

    static BenchReport evaluate(RunInfo run, AgentFigures a, Bare bare, Map<String, Double> micro) {
        Map<String, Double> ratios = new LinkedHashMap<>();
        double bareSingleRate = bare.singleThread().callsPerSecond();
        double bareConcRate = bare.concurrent().callsPerSecond();
        ratios.put("admissionDecisionsPerSecond/bareSingleCallsPerSecond", div(a.admissionDecisionsPerSecond(), bareSingleRate));
        ratios.put("resizesCompletedPerSecond/bareConcurrentCallsPerSecond", div(a.resizesCompletedPerSecond(), bareConcRate));
        LatencyStats bs = bare.singleThread().latency();
        LatencyStats bc = bare.concurrent().latency();
        ratios.put("actuated.p50/bareSingle.p50", div(a.requestToActuated().p50Ms(), bs.p50Ms()));
        ratios.put("actuated.p99/bareSingle.p99", div(a.requestToActuated().p99Ms(), bs.p99Ms()));
        ratios.put("actuated.p999/bareSingle.p999", div(a.requestToActuated().p999Ms(), bs.p999Ms()));
        ratios.put("statusVisible.p50/bareSingle.p50", div(a.requestToStatusVisible().p50Ms(), bs.p50Ms()));
        ratios.put("statusVisible.p99/bareSingle.p99", div(a.requestToStatusVisible().p99Ms(), bs.p99Ms()));
        ratios.put("statusVisible.p999/bareSingle.p999", div(a.requestToStatusVisible().p999Ms(), bs.p999Ms()));
        ratios.put("saturation.p50/bareConcurrent.p50", div(a.saturationLatency().p50Ms(), bc.p50Ms()));
        ratios.put("saturation.p99/bareConcurrent.p99", div(a.saturationLatency().p99Ms(), bc.p99Ms()));

        List<Target> t = new ArrayList<>();
        t.add(admission(micro));
        String atRate = run.pods() == 1000 && run.ratePerSecond() == 500 ? ""
                : "target is at 1,000 pods and 500 resizes/s; this run: " + run.pods() + " pods, "
                        + fmt(run.ratePerSecond()) + "/s";
        if (a.requestToStatusVisible().count() == 0) {
            t.add(Target.notMeasured("e2e p99 request→status-visible", "< 20 ms", "no resize became status-visible"));
        } else {
            t.add(Target.judge("e2e p99 request→status-visible", "< 20 ms",
                    fmt(a.requestToStatusVisible().p99Ms()) + " ms",
                    a.requestToStatusVisible().p99Ms() < VISIBLE_P99_MAX_MS, atRate));
        }
        if (a.resizesCompletedPerSecond() == 0) {
            t.add(Target.notMeasured("completed resizes/s vs bare calls/s", "≥ 0.5x",
                    "no saturation phase (--saturation 0) or nothing completed"));
        } else {
            double share = a.resizesCompletedPerSecond() / bareConcRate;
            t.add(Target.judge("completed resizes/s vs bare calls/s", "≥ 0.5x",
                    fmt(a.resizesCompletedPerSecond()) + "/s vs " + fmt(bareConcRate) + "/s = " + fmt(share) + "x",
                    share >= COMPLETED_MIN_SHARE_OF_BARE, "both at concurrency " + run.concurrency()));
        }
        String at10k = run.pods() == 10_000 ? "" : "target is at 10,000 pods; this run: " + run.pods();
        if (a.heapBytesPerPodAgent() > 0) {
            t.add(Target.judge("heap per pod (" + run.containersPerPod() + " containers)", "< 8 KiB",
                    fmt(a.heapBytesPerPodAgent() / 1024.0) + " KiB", a.heapBytesPerPodAgent() < HEAP_MAX_BYTES_PER_POD,
                    join(at10k, "with the fake runtime's share: " + fmt(a.heapBytesPerPodTotal() / 1024.0) + " KiB")));
        } else {
            // the agent-only estimate subtracts two large heaps; when it is not positive, judge the upper bound
            t.add(Target.judge("heap per pod (" + run.containersPerPod() + " containers)", "< 8 KiB",
                    fmt(a.heapBytesPerPodTotal() / 1024.0) + " KiB (agent + fake runtime)",
                    a.heapBytesPerPodTotal() < HEAP_MAX_BYTES_PER_POD,
                    join(at10k, "agent-only estimate not positive (" + fmt(a.heapBytesPerPodAgent() / 1024.0)
                            + " KiB): judged on the upper bound")));
        }
        t.add(Target.judge("restore pods from checkpoints", "< 1 s",
                fmt(a.restoreSeconds()) + " s for " + a.restoredPods() + " pods", a.restoreSeconds() < RESTORE_MAX_SECONDS,
                at10k));
        if (run.runtime().startsWith("fake-cri")) {
            t.add(Target.notMeasured("overhead vs real containerd", "≤ 10% above bare",
                    "needs --cri-endpoint unix:///.../containerd.sock"));
        } else {
            double perResizeBare = bs.p50Ms() * run.containersPerPod();
            double overhead = a.requestToActuated().p50Ms() / perResizeBare - 1;
            t.add(Target.judge("overhead vs real containerd", "≤ 10% above bare",
                    fmt(overhead * 100) + "% (p50 " + fmt(a.requestToActuated().p50Ms()) + " ms vs "
                            + run.containersPerPod() + " bare calls " + fmt(perResizeBare) + " ms)",
                    overhead <= CONTAINERD_MAX_OVERHEAD, "request→actuated p50 vs bare single-thread p50 × calls"));
        }
        return new BenchReport(run, a, bare, ratios, micro, t);
    }

    private static Target admission(Map<String, Double> micro) {
        Double at100 = micro.get(Targets.ADMISSION_KEY + "100");
        Double at10k = micro.get(Targets.ADMISSION_KEY + "10000");
        String goal = "at 10,000 pods ≤ 1.5x at 100 and < 2 µs";
        if (at100 == null || at10k == null) {
            return Target.notMeasured("admission decision", goal, "microbenchmarks not run (--micro)");
        }
        double growth = at10k / at100;
        return Target.judge("admission decision", goal,
                fmt(at10k) + " ns at 10,000 vs " + fmt(at100) + " ns at 100 = " + fmt(growth) + "x",
                at10k < ADMISSION_MAX_NS && growth <= ADMISSION_MAX_GROWTH, "");
    }

    static String fmt(double v) {
        if (v >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : a + "; " + b;
    }

    private static double div(double a, double b) {
        return b == 0 ? 0 : a / b;
    }
}
