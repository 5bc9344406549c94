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
        HarnessOptions o = HarnessOptions.small(20, 50, Duration.ofSeconds(1), Duration.ofMillis(500), 2,
                ResizeMix.parse("fits=4,up=2,down=2,deferred=1,infeasible=1"), out);

        BenchReport r = new LoadRun(o).run();
        var written = ReportWriter.write(r, out);

        var a = r.agent();
        assertThat(a.resizesRequested()).isPositive();
        assertThat(a.admissionDecisionsPerSecond()).isPositive();
        assertThat(a.saturation().completedPerSecond()).isPositive();
        assertThat(a.saturation().neededCallsPerResize()).isGreaterThanOrEqualTo(2.0);
        assertThat(a.decisions().get("admitted")).isPositive();
        // every resize was decided (a hog sent twice in a row would be no change, and never decided)
        assertThat(a.decisions().get("unfinished")).isZero();
        assertThat(a.visibleBySendTime()).isNotEmpty();
        assertThat(a.visibleBySendTime().stream().mapToLong(StormTimeline.Window::count).sum())
                .isEqualTo(a.requestToStatusVisible().count());
        assertThat(a.requestToDecision().count()).isPositive();
        assertThat(a.requestToActuated().p50Ms()).isPositive();
        assertThat(a.requestToStatusVisible().p99Ms()).isPositive()
                .isGreaterThanOrEqualTo(a.requestToStatusVisible().p50Ms());
        assertThat(a.criCalls().allPerAdmitted()).isGreaterThanOrEqualTo(a.criCalls().withoutRelistPerAdmitted());
        assertThat(a.criCalls().updatePerAdmitted()).isGreaterThanOrEqualTo(1.0);
        assertThat(a.criCalls().byRpc()).containsKey("UpdateContainerResources");
        assertThat(a.criCalls().relistPerSecond()).containsKey("ListContainers");
        assertThat(a.criCalls().changedContainersPerAdmitted()).isBetween(1.0, 2.0);
        assertThat(a.heap().agentOnly()).isTrue(); // the fake runtime ran in a child JVM
        assertThat(a.restore().pods()).isEqualTo(20);
        assertThat(a.restore().readySeconds()).isPositive();
        assertThat(a.restore().allocatedSeconds()).isGreaterThanOrEqualTo(a.restore().readySeconds());
        // -1: the agent did not read every container back from the runtime within the wait (said in the report)
        assertThat(a.restore().runtimeReadSeconds()).satisfiesAnyOf(
                s -> assertThat(s).isEqualTo(-1.0), s -> assertThat(s).isGreaterThanOrEqualTo(a.restore().readySeconds()));
        // the storm's agent stopped cleanly: its statuses were served at ready (the agent says so); then once as after
        // a crash, without
        assertThat(a.restore().statusesKept()).isTrue();
        assertThat(a.restore().afterCrash()).isNotNull();
        assertThat(a.restore().afterCrash().statusesKept()).isFalse();
        assertThat(a.restore().afterCrash().allocatedSeconds()).isGreaterThanOrEqualTo(a.restore().afterCrash().readySeconds());
        assertThat(r.bare().resizeSingle().sandboxUpdate()).isTrue();
        assertThat(r.bare().resizeConcurrent().callsPerSecond()).isPositive();
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
