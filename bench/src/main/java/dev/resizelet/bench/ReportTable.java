package dev.resizelet.bench;

import static dev.resizelet.bench.Targets.fmt;

import dev.resizelet.bench.BareBaseline.BaselineResult;
import dev.resizelet.bench.BenchReport.AgentFigures;
import dev.resizelet.bench.BenchReport.Target;
import java.util.Map;

/** The report as a plain-text table: each agent figure with the bare figure and the ratio beside it. */
final class ReportTable {
    private ReportTable() {
    }

    static String render(BenchReport r) {
        StringBuilder sb = new StringBuilder();
        var run = r.run();
        sb.append("resizelet bench — ").append(run.runtime()).append(" [").append(run.runtimeVersion()).append("], ")
                .append(run.pods()).append(" pods x ").append(run.containersPerPod()).append(" containers, ")
                .append(fmt(run.ratePerSecond())).append(" resizes/s for ").append(fmt(run.stormSeconds()))
                .append(" s, mix ").append(run.mix()).append(", ").append(run.cpus()).append(" cpus, ")
                .append(run.jvm()).append('\n');
        AgentFigures a = r.agent();
        BaselineResult bs = r.bare().singleThread();
        BaselineResult bc = r.bare().concurrent();
        String fmtRow = "%-44s %14s %16s %9s%n";
        sb.append(String.format(fmtRow, "figure", "agent", "bare", "agent÷bare"));
        sb.append(String.format(fmtRow, "-".repeat(44), "-".repeat(14), "-".repeat(16), "-".repeat(9)));
        row(sb, fmtRow, "admission decisions/s (storm)", a.admissionDecisionsPerSecond(), "/s",
                bs.callsPerSecond(), "/s 1 thread");
        row(sb, fmtRow, "resizes completed/s (storm)", a.resizesCompletedPerSecondAtRate(), "/s",
                bs.callsPerSecond(), "/s 1 thread");
        row(sb, fmtRow, "resizes completed/s (saturation, c=" + run.concurrency() + ")", a.resizesCompletedPerSecond(),
                "/s", bc.callsPerSecond(), "/s " + bc.threads() + " threads");
        latency(sb, fmtRow, "request→decision", a.requestToDecision(), null);
        latency(sb, fmtRow, "request→actuated", a.requestToActuated(), bs.latency());
        latency(sb, fmtRow, "request→status-visible", a.requestToStatusVisible(), bs.latency());
        latency(sb, fmtRow, "saturation send→status-visible", a.saturationLatency(), bc.latency());
        sb.append(String.format(fmtRow, "CRI calls per admitted resize", fmt(a.criCallsPerResize()), "1", ""));
        sb.append(String.format(fmtRow, "UpdateContainerResources per resize", fmt(a.updateCallsPerResize()), "1", ""));
        sb.append(String.format(fmtRow, "heap per pod, agent (fake included)",
                fmt(a.heapBytesPerPodAgent() / 1024.0) + " KiB (" + fmt(a.heapBytesPerPodTotal() / 1024.0) + ")", "", ""));
        sb.append(String.format(fmtRow, "restore " + a.restoredPods() + " pods from checkpoints",
                fmt(a.restoreSeconds()) + " s", "", ""));
        sb.append(String.format(fmtRow, "create + run " + run.pods() + " pods", fmt(a.podsCreateSeconds()) + " s", "", ""));
        sb.append("outcomes (storm): ").append(a.decisions()).append('\n');
        if (!a.criCallsByRpc().isEmpty()) {
            sb.append("CRI calls during the storm: ").append(a.criCallsByRpc()).append('\n');
        }
        for (Map.Entry<String, Double> e : r.micro().entrySet()) {
            sb.append(String.format("%-44s %11s ns%n", "JMH " + e.getKey(), fmt(e.getValue())));
        }
        sb.append('\n').append(String.format("%-5s %-40s %-42s %s%n", "", "target", "goal", "figure"));
        for (Target t : r.targets()) {
            sb.append(String.format("%-5s %-40s %-42s %s%s%n", t.status(), t.name(), t.goal(), t.figure(),
                    t.note().isEmpty() ? "" : "  (" + t.note() + ")"));
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String f, String name, double agent, String unit, double bare,
            String bareUnit) {
        sb.append(String.format(f, name, fmt(agent) + unit, fmt(bare) + bareUnit, ratio(agent, bare)));
    }

    private static void latency(StringBuilder sb, String f, String name, LatencyStats a, LatencyStats bare) {
        double[] ps = {50, 99, 99.9};
        String[] names = {"p50", "p99", "p999"};
        for (int i = 0; i < ps.length; i++) {
            double av = a.atPercentile(ps[i]);
            String b = bare == null ? "" : fmt(bare.atPercentile(ps[i])) + " ms";
            sb.append(String.format(f, name + " " + names[i] + " (n=" + a.count() + ")", fmt(av) + " ms", b,
                    bare == null ? "" : ratio(av, bare.atPercentile(ps[i]))));
        }
    }

    private static String ratio(double agent, double bare) {
        return bare == 0 ? "-" : fmt(agent / bare) + "x";
    }
}
