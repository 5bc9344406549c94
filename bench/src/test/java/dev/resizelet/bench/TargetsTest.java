package dev.resizelet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resizelet.bench.BareBaseline.BaselineResult;
import dev.resizelet.bench.BareBaseline.ResizeBaseline;
import dev.resizelet.bench.BenchReport.AgentFigures;
import dev.resizelet.bench.BenchReport.Bare;
import dev.resizelet.bench.BenchReport.CriCalls;
import dev.resizelet.bench.BenchReport.Heap;
import dev.resizelet.bench.BenchReport.Restore;
import dev.resizelet.bench.BenchReport.RunInfo;
import dev.resizelet.bench.BenchReport.Saturation;
import dev.resizelet.bench.BenchReport.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TargetsTest {
    private static final LatencyStats VISIBLE = new LatencyStats(5000, 2.0, 4.0, 12.0, 30.0, 40.0, 2.5);
    private static final LatencyStats BARE_LAT = new LatencyStats(9000, 0.5, 0.7, 1.0, 2.0, 3.0, 0.6);
    private static final LatencyStats STATUS_LAT = new LatencyStats(9000, 0.2, 0.3, 0.5, 1.0, 2.0, 0.25);
    private static final LatencyStats SANDBOX_LAT = new LatencyStats(9000, 0.1, 0.2, 0.3, 0.5, 1.0, 0.15);
    // bare resize: 2 x (0.5 + 0.2) + 0.1 = 1.5 ms per resize; 4 threads: 8,000 calls/s
    private static final Bare BARE = new Bare(new BaselineResult(1, 9000, 3, 3000, BARE_LAT),
            new BaselineResult(4, 24000, 3, 8000, BARE_LAT),
            new ResizeBaseline(1, 9000, 3, 3000, 600, true, BARE_LAT, BARE_LAT, STATUS_LAT, SANDBOX_LAT),
            new ResizeBaseline(4, 24000, 3, 8000, 1600, true, BARE_LAT, BARE_LAT, STATUS_LAT, SANDBOX_LAT));

    private static RunInfo run(int pods, String runtime, boolean fake, boolean onDisk) {
        return new RunInfo(runtime, "fake-cri 1.7.0-fake (v1)", pods, 2, 500, 30, 10, 4, ResizeMix.DEFAULT, 2,
                "OpenJDK 17", "2026-01-01T00:00:00Z", 64, fake, onDisk, 1, Map.of("start", "1.00 1.00 1.00"), 10);
    }

    private static AgentFigures agent(double completedPerSecond, long heapPerPod, boolean agentOnly,
            double restoreSeconds, int pods, double callsWithoutRelist) {
        CriCalls calls = new CriCalls(true, 40, Map.of("UpdateContainerResources", 27000L),
                Map.of("ListContainers", 1.0, "ContainerStatus", 200.0), 10, 100, 13500, 2.0, 5.5, callsWithoutRelist, 2.0,
                2.4, 2.0);
        return new AgentFigures(3.0, 15000, 490, 400, Map.of("admitted", 13500L, "unfinished", 0L), VISIBLE, VISIBLE,
                VISIBLE, VISIBLE, List.of(), calls, new Saturation((long) (completedPerSecond * 10), 10, completedPerSecond, 5,
                        completedPerSecond * 5),
                new Heap(agentOnly, 100L << 20, 120L << 20, (120L << 20) + heapPerPod * pods, heapPerPod),
                new Restore(pods, 0.2, restoreSeconds, restoreSeconds + 0.3, pods * 2, 20, 1.5, true,
                        new Restore(pods, 0.3, restoreSeconds + 0.2, -1, pods, 20, 1.5, false, null)), 0);
    }

    private static Target target(BenchReport r, String prefix) {
        return r.targets().stream().filter(t -> t.name().startsWith(prefix)).findFirst().orElseThrow();
    }

    @Test
    void judgesEachTargetOnItsFigure() {
        BenchReport r = Targets.evaluate(run(1000, "fake-cri (unix socket)", true, true),
                agent(900, 6000, true, 0.4, 1000, 4.8), BARE,
                Map.of("admission.pods=100", 400.0, "admission.pods=1000", 420.0, "admission.pods=10000", 900.0), true);

        assertThat(target(r, Targets.ADMISSION).status()).isEqualTo("MISS"); // 2.25x growth
        assertThat(target(r, Targets.ADMISSION).figure()).contains("900 ns at 10,000", "2.25x");
        assertThat(target(r, Targets.STORM).status()).isEqualTo("PASS");
        assertThat(target(r, Targets.STORM).figure()).startsWith("12.0 ms, 0 unfinished");
        // 900/s x 5 calls = 4,500 needed calls/s of 8,000 bare = 56 %
        assertThat(target(r, Targets.EFFICIENCY).status()).isEqualTo("PASS");
        assertThat(target(r, Targets.EFFICIENCY).figure()).startsWith("56.3%");
        assertThat(target(r, Targets.CALLS).status()).isEqualTo("PASS"); // 4.8 <= 2 x 2 + 1
        assertThat(target(r, Targets.CALLS).figure()).contains("4.80 without the relist", "5.50 with it", "limit 5.00");
        // at 1,000 pods the 10,000-pod targets are not judged, whatever the figure
        assertThat(target(r, Targets.HEAP).status()).isEqualTo("N/A");
        assertThat(target(r, Targets.HEAP).figure()).isEqualTo("5.86 KiB");
        assertThat(target(r, Targets.RESTORE).status()).isEqualTo("N/A");
        assertThat(target(r, Targets.CONTAINERD).status()).isEqualTo("N/A");
        assertThat(r.ratios().get("neededCallsPerSecond/bareResizeShapedCallsPerSecond"))
                .isCloseTo(4500 / 8000.0, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void offScaleRunsAreNeverPass() {
        BenchReport r = Targets.evaluate(run(200, "fake-cri (unix socket)", true, false),
                agent(900, 6000, true, 0.4, 200, 4.0), BARE, Map.of(), true);

        assertThat(target(r, Targets.STORM).status()).isEqualTo("N/A");
        assertThat(target(r, Targets.STORM).note()).contains("200 pods", "state on tmpfs");
        assertThat(target(r, Targets.RESTORE).status()).isEqualTo("N/A");
    }

    @Test
    void missesAreReportedWithTheirFigures() {
        BenchReport r = Targets.evaluate(run(10_000, "fake-cri (unix socket)", true, true),
                agent(300, 9000, true, 1.7, 10_000, 7.0), BARE, Map.of(), true);

        assertThat(target(r, Targets.ADMISSION).status()).isEqualTo("N/A");
        assertThat(target(r, Targets.EFFICIENCY).status()).isEqualTo("MISS"); // 1,500 of 8,000
        assertThat(target(r, Targets.CALLS).status()).isEqualTo("MISS");
        assertThat(target(r, Targets.HEAP).status()).isEqualTo("MISS");
        assertThat(target(r, Targets.HEAP).figure()).isEqualTo("8.79 KiB");
        assertThat(target(r, Targets.RESTORE).figure()).isEqualTo("1.70 s for 10000 pods");
        assertThat(target(r, Targets.RESTORE).status()).isEqualTo("MISS");
        assertThat(target(r, Targets.RESTORE_AFTER_CRASH).figure()).isEqualTo("1.90 s for 10000 pods");
        assertThat(target(r, Targets.RESTORE_AFTER_CRASH).status()).isEqualTo("MISS");
    }

    @Test
    void heapWithTheRuntimeInTheSameJvmIsNotJudged() {
        BenchReport r = Targets.evaluate(run(10_000, "fake-cri (unix socket)", true, true),
                agent(300, 6000, false, 0.5, 10_000, 4.0), BARE, Map.of(), true);

        assertThat(target(r, Targets.HEAP).status()).isEqualTo("N/A");
        assertThat(target(r, Targets.HEAP).figure()).contains("agent + fake runtime");
        assertThat(target(r, Targets.RESTORE).status()).isEqualTo("PASS");
        assertThat(target(r, Targets.RESTORE).note()).contains("after a clean stop");
        assertThat(target(r, Targets.RESTORE_AFTER_CRASH).status()).isEqualTo("PASS"); // 0.7 s
        assertThat(target(r, Targets.RESTORE_AFTER_CRASH).note()).contains("not reached");
    }

    @Test
    void realRuntimeIsJudgedOnStatusVisibleAgainstTheBareCallsAResizeNeeds() {
        // p50 2.0 ms vs 2 x (0.5 + 0.2) + 0.1 = 1.5 ms: 1.33x
        BenchReport r = Targets.evaluate(run(20, "unix:///tmp/containerd.sock", false, true),
                agent(30, 9000, true, 0.1, 20, 4.0), BARE, Map.of(), true);
        assertThat(target(r, Targets.CONTAINERD).status()).isEqualTo("MISS");
        assertThat(target(r, Targets.CONTAINERD).figure()).isEqualTo("2.00 ms vs 1.50 ms = 1.33x");

        BenchReport noResources = Targets.evaluate(run(20, "unix:///tmp/containerd.sock", false, true),
                agent(30, 9000, true, 0.1, 20, 4.0), BARE, Map.of(), false);
        assertThat(target(noResources, Targets.CONTAINERD).status()).isEqualTo("N/A");
    }

    @Test
    void tableAndJsonCarryEveryFigure(@TempDir Path dir) throws Exception {
        BenchReport r = Targets.evaluate(run(1000, "fake-cri (unix socket)", true, true),
                agent(900, 6000, true, 0.4, 1000, 4.8), BARE,
                Map.of("admission.pods=100", 400.0, "admission.pods=10000", 1200.0), true);

        String table = ReportTable.render(r);
        assertThat(table).contains("request→status-visible p99", "12.0 ms", "PASS ", "MISS ", "N/A ",
                "JMH admission.pods=10000", "load average", "ListContainers=1.00");
        ReportWriter.write(r, dir);
        JsonNode json = ReportWriter.mapper().readTree(dir.resolve(ReportWriter.JSON).toFile());
        assertThat(json.at("/agent/requestToStatusVisible/p99Ms").asDouble()).isEqualTo(12.0);
        assertThat(json.at("/bare/resizeConcurrent/callsPerSecond").asDouble()).isEqualTo(8000.0);
        assertThat(json.at("/targets").size()).isEqualTo(8);
        assertThat(json.at("/agent/restore/afterCrash/statusesKept").asBoolean(true)).isFalse();
        assertThat(table).contains("restore 1000 pods (clean stop)", "restore 1000 pods after a crash");
        assertThat(json.at("/agent/criCalls/withoutRelistPerAdmitted").asDouble()).isEqualTo(4.8);
        assertThat(Files.readString(dir.resolve(ReportWriter.SVG))).startsWith("<svg").contains("<polyline");
    }
}
