package dev.resizelet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resizelet.agent.http.PodService.WatchEvent;
import dev.resizelet.core.api.AgentMetrics;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class MetricsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A clock the test moves. */
    private static final class TestClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final TestClock clock = new TestClock();
    private final List<ObjectNode> current = new CopyOnWriteArrayList<>();
    private final Metrics metrics = new Metrics(() -> current, () -> new AgentMetrics(5, 1, 3, 2), clock);

    /** A pod at {@code generation} asking for {@code cpu}, with the status fields the metrics read. */
    private static ObjectNode pod(long generation, String cpu, long observed, String resize, String pendingReason) {
        ObjectNode pod = JSON.createObjectNode();
        pod.putObject("metadata").put("namespace", "default").put("name", "web").put("generation", generation);
        pod.putObject("spec").putArray("containers").addObject().put("name", "c").putObject("resources")
                .putObject("requests").put("cpu", cpu);
        ObjectNode status = pod.putObject("status").put("phase", "Running").put("observedGeneration", observed);
        if (resize != null) {
            status.put("resize", resize);
        }
        if (pendingReason != null) {
            status.putArray("conditions").addObject().put("type", "PodResizePending").put("status", "True")
                    .put("reason", pendingReason).put("message", "Node didn't have enough capacity: cpu");
        }
        return pod;
    }

    private String scrape() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.write(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aDeferredResizeCountsOnceWhenAcceptedAndItsDurationRunsFromTheRequestToDone() throws Exception {
        metrics.observe(new WatchEvent("ADDED", pod(1, "500m", 1, null, null)));
        metrics.observe(new WatchEvent("MODIFIED", pod(2, "800m", 1, "Proposed", null)));
        clock.now = clock.now.plus(Duration.ofMillis(300));
        metrics.observe(new WatchEvent("MODIFIED", pod(2, "800m", 2, "Deferred", "Deferred")));
        current.add(pod(2, "800m", 2, "Deferred", "Deferred"));
        String whileDeferred = scrape();
        clock.now = clock.now.plus(Duration.ofMillis(400));
        metrics.observe(new WatchEvent("MODIFIED", pod(2, "800m", 2, "InProgress", null)));
        metrics.observe(new WatchEvent("MODIFIED", pod(2, "800m", 2, null, null)));
        current.clear();

        String after = scrape();

        assertThat(whileDeferred).contains("kubelet_pod_pending_resizes{reason=\"deferred\"} 1.0");
        assertThat(after).contains("kubelet_container_requested_resizes_total{operation=\"increase\",requirement=\"requests\",resource=\"cpu\"} 1.0")
                .contains("kubelet_pod_deferred_accepted_resizes_total{retry_trigger=\"periodic_retry\"} 1.0")
                .contains("kubelet_pod_resize_duration_milliseconds_count{success=\"true\"} 1")
                .contains("kubelet_pod_resize_duration_milliseconds_sum{success=\"true\"} 700.0")
                .doesNotContain("kubelet_pod_pending_resizes{");
    }

    @Test
    void anInfeasibleResizeIsCountedAndIsNotADeferredAcceptance() throws Exception {
        metrics.observe(new WatchEvent("ADDED", pod(1, "500m", 1, null, null)));
        metrics.observe(new WatchEvent("MODIFIED", pod(2, "1", 2, "Deferred", "Deferred")));
        metrics.observe(new WatchEvent("MODIFIED", pod(3, "9", 2, "Proposed", null)));
        metrics.observe(new WatchEvent("MODIFIED", pod(3, "9", 3, "Infeasible", "Infeasible")));

        String text = scrape();

        assertThat(text).contains("kubelet_pod_infeasible_resizes_total{reason_detail=\"insufficient_node_allocatable\"} 1.0")
                .doesNotContain("kubelet_pod_deferred_accepted_resizes_total{")
                .doesNotContain("kubelet_pod_resize_duration_milliseconds_count{success=\"true\"} 1");
    }

    @Test
    void theAgentsCountersAreExported() throws Exception {
        String text = scrape();

        assertThat(text).contains("resizelet_enactment_passes_total 5.0").contains("resizelet_enactment_failed_passes_total 1.0")
                .contains("resizelet_completed_resizes_total 3.0").contains("resizelet_legacy_status_fallbacks_total 2.0");
    }

    @Test
    void aScraperThatAcceptsOpenMetricsGetsOpenMetricsAndOthersThePrometheusTextFormat() throws Exception {
        String om = "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1";
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        metrics.write(om, out);

        assertThat(metrics.contentType(om)).startsWith("application/openmetrics-text; version=1.0.0");
        assertThat(out.toString(StandardCharsets.UTF_8)).endsWith("# EOF\n");
        assertThat(metrics.contentType("text/plain")).startsWith("text/plain; version=0.0.4");
        assertThat(metrics.contentType(null)).startsWith("text/plain; version=0.0.4");
    }

    @Test
    void buildInfoAndJvmAndProcessMetricsAreExported() throws Exception {
        String text = scrape();

        assertThat(text).containsPattern("resizelet_build_info\\{java_version=\"[^\"]+\",kubernetes_version=\"v1\\.\\d+\\.\\d+\","
                        + "version=\"[^\"]+\"\\} 1\\.0")
                .contains("jvm_memory_used_bytes{area=\"heap\"}").contains("jvm_threads_current")
                .contains("process_cpu_seconds_total").contains("process_open_fds");
    }
}
