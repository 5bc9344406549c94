package dev.resizelet.bench;

import static dev.resizelet.bench.Targets.fmt;

import dev.resizelet.bench.BareBaseline.BaselineResult;
import dev.resizelet.bench.BareBaseline.ResizeBaseline;
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
                .append(run.warmupSeconds() > 0 ? " s (after an uncounted " + fmt(run.warmupSeconds()) + " s warm-up storm)" : " s")
                .append(" from ").append(run.senders()).append(" sender threads, mix ").append(run.mix()).append(", ").append(run.cpus()).append(" cpus, ")
                .append(run.jvm()).append('\n');
        sb.append("load average (1/5/15 min) by phase: ").append(run.loadAverage()).append('\n');
        AgentFigures a = r.agent();
        BaselineResult bs = r.bare().singleThread();
        BaselineResult bc = r.bare().concurrent();
        ResizeBaseline rs = r.bare().resizeSingle();
        ResizeBaseline rc = r.bare().resizeConcurrent();
        String f = "%-50s %16s %22s %10s%n";
        sb.append(String.format(f, "figure", "agent", "bare", "agent÷bare"));
        sb.append(String.format(f, "-".repeat(50), "-".repeat(16), "-".repeat(22), "-".repeat(10)));
        row(sb, f, "admission decisions/s (storm)", a.admissionDecisionsPerSecond(), "/s",
                bs.callsPerSecond(), "/s Update, 1 thread");
        row(sb, f, "resizes completed/s (storm)", a.resizesCompletedPerSecondAtRate(), "/s",
                rs.sequencesPerSecond(), "/s bare resizes, 1 th");
        var s = a.saturation();
        row(sb, f, "resizes completed/s (saturation, c=" + run.concurrency() + ")", s.completedPerSecond(), "/s",
                rc.sequencesPerSecond(), "/s bare resizes, " + rc.threads() + " th");
        row(sb, f, "needed calls/s at saturation (" + fmt(s.neededCallsPerResize()) + "/resize)",
                s.neededCallsPerSecond(), "/s", rc.callsPerSecond(), "/s bare calls, " + rc.threads() + " th");
        row(sb, f, "  (vs bare Update-only calls/s)", s.neededCallsPerSecond(), "/s", bc.callsPerSecond(),
                "/s Update, " + bc.threads() + " th");
        latency(sb, f, "request→decision", a.requestToDecision(), null, "");
        latency(sb, f, "request→actuated", a.requestToActuated(), bs.latency(), "Update 1th");
        latency(sb, f, "request→status-visible", a.requestToStatusVisible(), rs.sequence(), "bare resize 1th");
        latency(sb, f, "saturation send→status-visible", a.saturationLatency(), rc.sequence(),
                "bare resize " + rc.threads() + "th");
        sb.append(String.format(f, "bare p50 Update / ContainerStatus / sandbox (1 th)",
                "", fmt(rs.update().p50Ms()) + " / " + fmt(rs.status().p50Ms()) + " / "
                        + (rs.sandboxUpdate() ? fmt(rs.sandbox().p50Ms()) : "-") + " ms", ""));
        var c = a.criCalls();
        if (c.measured()) {
            sb.append(String.format(f, "CRI calls per admitted resize (all / −relist)",
                    fmt(c.allPerAdmitted()) + " / " + fmt(c.withoutRelistPerAdmitted()),
                    "≤ " + fmt(2 * c.changedContainersPerAdmitted() + 1) + " needed", ""));
            sb.append(String.format(f, "  Update / ContainerStatus (−relist) per resize",
                    fmt(c.updatePerAdmitted()) + " / " + fmt(c.statusWithoutRelistPerAdmitted()),
                    fmt(c.changedContainersPerAdmitted()) + " / " + fmt(c.changedContainersPerAdmitted()), ""));
            sb.append("CRI calls during the storm (").append(fmt(c.windowSeconds())).append(" s): ")
                    .append(c.byRpc()).append(", pod-scoped ListContainers (refreshes) ").append(c.podRefreshes())
                    .append('\n');
            sb.append("relist calls/s while idle (").append(fmt(c.idleSeconds())).append(" s): ");
            c.relistPerSecond().forEach((k, v) -> sb.append(k).append('=').append(fmt(v)).append(' '));
            sb.append('\n');
        }
        var h = a.heap();
        sb.append(String.format(f, "heap per pod, " + (h.agentOnly() ? "agent only" : "agent + fake runtime (same JVM)"),
                fmt(h.bytesPerPod() / 1024.0) + " KiB", "", ""));
        var re = a.restore();
        sb.append(String.format(f, "restore " + re.pods() + " pods" + (re.statusesKept() ? " (clean stop)" : "")
                + ": ready / allocated / runtime-read", restoreTimes(re), "", ""));
        if (re.afterCrash() != null) {
            sb.append(String.format(f, "restore " + re.pods() + " pods after a crash: ready / allocated / runtime-read",
                    restoreTimes(re.afterCrash()), "", ""));
        }
        sb.append(String.format(f, "create + run " + run.pods() + " pods", fmt(a.podsCreateSeconds()) + " s", "", ""));
        sb.append("outcomes (storm): ").append(a.decisions()).append(", watch re-opened ").append(a.watchRestarts())
                .append("x\n");
        for (Map.Entry<String, Double> e : r.micro().entrySet()) {
            sb.append(String.format("%-50s %13s ns%n", "JMH " + e.getKey(), fmt(e.getValue())));
        }
        sb.append('\n').append(String.format("%-5s %-42s %s%n", "", "target (goal)", "figure"));
        for (Target t : r.targets()) {
            sb.append(String.format("%-5s %-42s %s%n", t.status(), t.name(), t.figure()));
            sb.append(String.format("%-5s %-42s goal %s%s%n", "", "", t.goal(),
                    t.note().isEmpty() ? "" : "; " + t.note()));
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String f, String name, double agent, String unit, double bare,
            String bareUnit) {
        sb.append(String.format(f, name, fmt(agent) + unit, fmt(bare) + bareUnit, ratio(agent, bare)));
    }

    private static void latency(StringBuilder sb, String f, String name, LatencyStats a, LatencyStats bare,
            String bareName) {
        double[] ps = {50, 99, 99.9};
        String[] names = {"p50", "p99", "p999"};
        for (int i = 0; i < ps.length; i++) {
            double av = a.atPercentile(ps[i]);
            String b = bare == null ? "" : fmt(bare.atPercentile(ps[i])) + " ms " + bareName;
            sb.append(String.format(f, name + " " + names[i] + " (n=" + a.count() + ")", fmt(av) + " ms", b,
                    bare == null ? "" : ratio(av, bare.atPercentile(ps[i]))));
        }
    }

    private static String ratio(double agent, double bare) {
        return bare == 0 ? "-" : fmt(agent / bare) + "x";
    }

    private static String restoreTimes(BenchReport.Restore re) {
        return fmt(re.readySeconds()) + " / " + fmt(re.allocatedSeconds()) + " / " + fmt(re.runtimeReadSeconds()) + " s";
    }
}
