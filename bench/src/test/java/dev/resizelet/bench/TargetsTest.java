package dev.resizelet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resizelet.bench.BareBaseline.BaselineResult;
import dev.resizelet.bench.BenchReport.AgentFigures;
import dev.resizelet.bench.BenchReport.Bare;
import dev.resizelet.bench.BenchReport.RunInfo;
import dev.resizelet.bench.BenchReport.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TargetsTest {
    private static final LatencyStats VISIBLE = new LatencyStats(5000, 2.0, 4.0, 12.0, 30.0, 40.0, 2.5);
    private static final LatencyStats BARE_LAT = new LatencyStats(9000, 0.5, 0.7, 1.0, 2.0, 3.0, 0.6);
    private static final Bare BARE = new Bare(new BaselineResult(1, 9000, 3, 3000, BARE_LAT),
            new BaselineResult(4, 24000, 3, 8000, BARE_LAT));

    private static RunInfo run(int pods, String runtime) {
        return new RunInfo(runtime, "fake-cri 1.7.0-fake (v1)", pods, 2, 500, 30, 10, 4, ResizeMix.DEFAULT, 2,
                "OpenJDK 17", "2026-01-01T00:00:00Z");
    }

    private static AgentFigures agent(double completedPerSecond, long heapPerPod, double restoreSeconds) {
        return new AgentFigures(3.0, 15000, 490, 400, completedPerSecond, Map.of("admitted", 13500L), VISIBLE, VISIBLE,
                VISIBLE, VISIBLE, 4.5, 2.0, Map.of("UpdateContainerResources", 27000L), heapPerPod, heapPerPod + 2048,
                restoreSeconds, 1000);
    }

    private static Target target(BenchReport r, String prefix) {
        return r.targets().stream().filter(t -> t.name().startsWith(prefix)).findFirst().orElseThrow();
    }

    @Test
    void judgesEachTargetOnItsFigure() {
        BenchReport r = Targets.evaluate(run(1000, "fake-cri (unix socket)"), agent(4100, 6000, 0.4), BARE,
                Map.of("admission.pods=100", 400.0, "admission.pods=1000", 420.0, "admission.pods=10000", 900.0));

        assertThat(target(r, "admission").status()).isEqualTo("MISS"); // 2.25x growth
        assertThat(target(r, "admission").figure()).contains("900 ns at 10,000", "2.25x");
        assertThat(target(r, "e2e p99").status()).isEqualTo("PASS");
        assertThat(target(r, "e2e p99").figure()).isEqualTo("12.0 ms");
        assertThat(target(r, "e2e p99").note()).isEmpty();
        assertThat(target(r, "completed resizes/s").status()).isEqualTo("PASS"); // 4100 >= 0.5 * 8000
        assertThat(target(r, "heap per pod").status()).isEqualTo("PASS");
        assertThat(target(r, "heap per pod").note()).contains("target is at 10,000 pods; this run: 1000");
        assertThat(target(r, "restore").status()).isEqualTo("PASS");
        assertThat(target(r, "overhead vs real containerd").status()).isEqualTo("N/A");
        assertThat(r.ratios().get("resizesCompletedPerSecond/bareConcurrentCallsPerSecond"))
                .isCloseTo(4100 / 8000.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.ratios().get("statusVisible.p99/bareSingle.p99")).isEqualTo(12.0);
    }

    @Test
    void missesAreReportedWithTheirFigures() {
        BenchReport r = Targets.evaluate(run(10_000, "unix:///tmp/containerd.sock"), agent(3000, 9000, 1.7), BARE,
                Map.of());

        assertThat(target(r, "admission").status()).isEqualTo("N/A");
        assertThat(target(r, "completed resizes/s").status()).isEqualTo("MISS");
        assertThat(target(r, "heap per pod").status()).isEqualTo("MISS");
        assertThat(target(r, "heap per pod").figure()).isEqualTo("8.79 KiB");
        assertThat(target(r, "restore").figure()).isEqualTo("1.70 s for 1000 pods");
        assertThat(target(r, "restore").status()).isEqualTo("MISS");
        // containerd: p50 2.0 ms vs 2 bare calls of 0.5 ms = +100%
        assertThat(target(r, "overhead vs real containerd").status()).isEqualTo("MISS");
        assertThat(target(r, "overhead vs real containerd").figure()).startsWith("100%");
    }

    @Test
    void tableAndJsonCarryEveryFigure(@TempDir Path dir) throws Exception {
        BenchReport r = Targets.evaluate(run(1000, "fake-cri (unix socket)"), agent(4100, 6000, 0.4), BARE,
                Map.of("admission.pods=100", 400.0, "admission.pods=10000", 1200.0));

        String table = ReportTable.render(r);
        assertThat(table).contains("request→status-visible p99", "12.0 ms", "1.00 ms", "12.0x", "PASS ", "MISS ",
                "N/A ", "JMH admission.pods=10000");
        ReportWriter.write(r, dir);
        JsonNode json = ReportWriter.mapper().readTree(dir.resolve(ReportWriter.JSON).toFile());
        assertThat(json.at("/agent/requestToStatusVisible/p99Ms").asDouble()).isEqualTo(12.0);
        assertThat(json.at("/bare/concurrent/callsPerSecond").asDouble()).isEqualTo(8000.0);
        assertThat(json.at("/targets").size()).isEqualTo(6);
        assertThat(json.at("/ratios/statusVisible.p99~1bareSingle.p99").asDouble()).isEqualTo(12.0);
        assertThat(Files.readString(dir.resolve(ReportWriter.SVG))).startsWith("<svg").contains("<polyline");
    }
}
