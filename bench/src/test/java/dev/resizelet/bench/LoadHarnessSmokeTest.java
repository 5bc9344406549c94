package dev.resizelet.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole harness, small and short: every figure is there and sane. No timing is asserted. */
class LoadHarnessSmokeTest {

    @Test
    void aShortRunReportsEveryFigure(@TempDir Path out) throws Exception {
        HarnessOptions o = new HarnessOptions(null, null, "busybox", 20, 2, 50, Duration.ofSeconds(1),
                Duration.ofMillis(500), 2, ResizeMix.parse("fits=4,up=2,down=2,deferred=1,infeasible=1"), out, false, 7,
                Duration.ofSeconds(1), false);

        BenchReport r = new LoadRun(o).run();
        var written = ReportWriter.write(r, out);

        var a = r.agent();
        assertThat(a.resizesRequested()).isPositive();
        assertThat(a.admissionDecisionsPerSecond()).isPositive();
        assertThat(a.resizesCompletedPerSecond()).isPositive();
        assertThat(a.decisions().get("admitted")).isPositive();
        assertThat(a.requestToDecision().count()).isPositive();
        assertThat(a.requestToActuated().p50Ms()).isPositive();
        assertThat(a.requestToStatusVisible().p99Ms()).isPositive()
                .isGreaterThanOrEqualTo(a.requestToStatusVisible().p50Ms());
        assertThat(a.criCallsPerResize()).isGreaterThanOrEqualTo(a.updateCallsPerResize());
        assertThat(a.updateCallsPerResize()).isGreaterThanOrEqualTo(1.0);
        assertThat(a.criCallsByRpc()).containsKey("UpdateContainerResources");
        assertThat(a.heapBytesPerPodTotal()).isPositive();
        assertThat(a.restoredPods()).isEqualTo(20);
        assertThat(a.restoreSeconds()).isPositive();
        assertThat(r.bare().singleThread().callsPerSecond()).isPositive();
        assertThat(r.bare().concurrent().threads()).isEqualTo(2);
        assertThat(r.targets()).extracting(BenchReport.Target::status).allMatch(s -> s.matches("PASS|MISS|N/A"));
        assertThat(ReportTable.render(r)).contains("request→status-visible p99", "agent÷bare");
        JsonNode json = ReportWriter.mapper().readTree(written.get(0).toFile());
        assertThat(json.at("/run/pods").asInt()).isEqualTo(20);
        assertThat(json.at("/agent/requestToStatusVisible/count").asLong()).isPositive();
        assertThat(Files.readString(written.get(1))).contains("<polyline");
    }
}
