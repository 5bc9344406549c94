package dev.resizelet.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resizelet.agent.http.PodService;
import dev.resizelet.core.api.AgentMetrics;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.QuantityFormatException;
import dev.resizelet.agent.http.ApiServer;
import dev.resizelet.agent.http.Discovery;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code /metrics}: the kubelet's resize metrics (names and labels as kubelet 1.34 exports them) and the agent's
 * own counters. Counters are derived from the node agent's stream of pod changes ({@link #observe}): requested
 * resizes from spec changes, the resize duration from the spec change (a new generation) to the status that
 * reports it done; gauges from the pods' current statuses at scrape time; enactment counters from
 * {@link AgentMetrics}. Beside them: the kubelet's runtime-operation metrics ({@link #runtime()}, fed by
 * {@link InstrumentedRuntime}), JVM and process metrics ({@code jvm_*}, {@code process_*}) and
 * {@code resizelet_build_info}. A scrape gets the format its Accept header asks for: OpenMetrics
 * ({@code application/openmetrics-text}) or the Prometheus text format.
 */
public final class Metrics implements ApiServer.MetricsWriter {
    /** kubelet's buckets for kubelet_pod_resize_duration_milliseconds. */
    static final double[] RESIZE_MS_BUCKETS = {10, 50, 100, 500, 1000, 2000, 5000, 10000, 20000, 30000, 60000, 120000, 300000, 600000};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final RuntimeMetrics runtime = new RuntimeMetrics(registry);
    private final Clock clock;
    private final Counter requestedResizes;
    private final Histogram resizeDuration;
    private final Counter infeasible;
    private final Counter deferredAccepted;
    private final Map<String, PodState> states = new HashMap<>(); // guarded by this
    private String lastRoomFreeingEvent = "periodic_retry"; // guarded by this

    /** What we remember about one pod to derive transitions. */
    private record PodState(JsonNode containers, String pending, boolean wasDeferred, Instant requestedAt, boolean failed) {}

    /**
     * @param pods the pods as the API shows them now (for the gauges)
     * @param agent the node agent's counters
     */
    public Metrics(Supplier<List<ObjectNode>> pods, Supplier<AgentMetrics> agent, Clock clock) {
        this.clock = clock;
        requestedResizes = Counter.builder().name("kubelet_container_requested_resizes_total")
                .help("Number of requested resizes, counted at the container level.")
                .labelNames("resource", "requirement", "operation").register(registry);
        resizeDuration = Histogram.builder().name("kubelet_pod_resize_duration_milliseconds")
                .help("Duration in milliseconds to actuate a pod resize").classicOnly().classicUpperBounds(RESIZE_MS_BUCKETS)
                .labelNames("success").register(registry);
        infeasible = Counter.builder().name("kubelet_pod_infeasible_resizes_total")
                .help("Number of infeasible resizes for pods.").labelNames("reason_detail").register(registry);
        deferredAccepted = Counter.builder().name("kubelet_pod_deferred_accepted_resizes_total")
                .help("Cumulative number of resizes that were accepted after being deferred.").labelNames("retry_trigger").register(registry);
        GaugeWithCallback.builder().name("kubelet_pod_pending_resizes").help("Number of pending resizes for pods.")
                .labelNames("reason").callback(cb -> {
                    int deferred = 0;
                    int infeasibleNow = 0;
                    for (ObjectNode pod : pods.get()) {
                        String reason = pendingReason(pod);
                        if ("Deferred".equals(reason)) deferred++;
                        if ("Infeasible".equals(reason)) infeasibleNow++;
                    }
                    if (deferred > 0) cb.call(deferred, "deferred");
                    if (infeasibleNow > 0) cb.call(infeasibleNow, "infeasible");
                }).register(registry);
        GaugeWithCallback.builder().name("kubelet_pod_in_progress_resizes").help("Number of in-progress resizes for pods.")
                .callback(cb -> cb.call(pods.get().stream().filter(Metrics::inProgress).count())).register(registry);
        CounterWithCallback.builder().name("resizelet_enactment_passes_total").help("Enactment passes that had work to do.")
                .callback(cb -> cb.call(agent.get().enactmentPasses())).register(registry);
        CounterWithCallback.builder().name("resizelet_enactment_failed_passes_total")
                .help("Enactment passes that a runtime error or the memory-usage guard ended.")
                .callback(cb -> cb.call(agent.get().failedEnactmentPasses())).register(registry);
        CounterWithCallback.builder().name("resizelet_completed_resizes_total")
                .help("Resizes that reached actuated == allocated with the status read back from the runtime.")
                .callback(cb -> cb.call(agent.get().completedResizes())).register(registry);
        CounterWithCallback.builder().name("resizelet_legacy_status_fallbacks_total")
                .help("Container statuses read from cgroup files because the runtime reported no resources (containerd < 1.6.9).")
                .callback(cb -> cb.call(agent.get().legacyStatusFallbacks())).register(registry);
        Gauge.builder().name("resizelet_build_info")
                .help("A metric with a constant '1' value labeled by the agent's version, the Kubernetes version whose "
                        + "semantics it follows and the Java runtime.")
                .labelNames("version", "kubernetes_version", "java_version").register(registry)
                .labelValues(Main.agentVersion(), Discovery.KUBERNETES_VERSION, Runtime.version().toString()).set(1);
        JvmMetrics.builder().register(registry);
    }

    /** The Prometheus text format (version 0.0.4). */
    @Override
    public void write(OutputStream out) throws IOException {
        formats.getPrometheusTextFormatWriter().write(out, registry.scrape());
    }

    @Override
    public String contentType(String accept) {
        return writer(accept).getContentType();
    }

    /** OpenMetrics when the scraper accepts it (Prometheus asks for it first), else the Prometheus text format. */
    @Override
    public void write(String accept, OutputStream out) throws IOException {
        writer(accept).write(out, registry.scrape());
    }

    private ExpositionFormatWriter writer(String accept) {
        ExpositionFormatWriter w = formats.findWriter(accept);
        // the protobuf format needs a module the agent does not ship: answer text instead
        return w.isAvailable() ? w : formats.getPrometheusTextFormatWriter();
    }

    /** The runtime-operation metrics for {@link InstrumentedRuntime}. */
    public RuntimeMetrics runtime() {
        return runtime;
    }

    /** Feeds one pod change (a watch event) into the derived counters. */
    public synchronized void observe(PodService.WatchEvent event) {
        ObjectNode pod = event.object();
        String key = pod.path("metadata").path("namespace").asText() + "/" + pod.path("metadata").path("name").asText();
        PodState before = states.get(key);
        if (event.type().equals("DELETED")) {
            states.remove(key);
            lastRoomFreeingEvent = "pod_deleted";
            return;
        }
        JsonNode containers = pod.path("spec").path("containers");
        String pending = pendingReason(pod);
        long generation = pod.path("metadata").path("generation").asLong(1);
        Instant requestedAt = before == null ? null : before.requestedAt();
        if (before != null) {
            countRequested(before.containers(), containers);
            if ("Infeasible".equals(pending) && !"Infeasible".equals(before.pending())) {
                infeasible.labelValues(infeasibleDetail(pendingMessage(pod))).inc();
            }
        }
        // deferred until admitted at the pod's current generation (Proposed in between does not count as accepted)
        boolean wasDeferred = "Deferred".equals(pending) || (before != null && before.wasDeferred());
        if (wasDeferred && "Infeasible".equals(pending)) {
            wasDeferred = false;
        } else if (wasDeferred && accepted(pod)) {
            deferredAccepted.labelValues(lastRoomFreeingEvent).inc();
            wasDeferred = false;
        }
        if (requestedAt == null && generation > 1 && !done(pod)) {
            requestedAt = clock.instant(); // a resize was requested (a new generation not yet reported done)
        }
        if (requestedAt != null && done(pod)) {
            resizeDuration.labelValues("true").observe(java.time.Duration.between(requestedAt, clock.instant()).toMillis());
            requestedAt = null;
            lastRoomFreeingEvent = "pod_resized";
        }
        boolean failed = inProgress(pod) && "Error".equals(inProgressReason(pod));
        if (failed && requestedAt != null && (before == null || !before.failed())) {
            resizeDuration.labelValues("false").observe(java.time.Duration.between(requestedAt, clock.instant()).toMillis());
        }
        states.put(key, new PodState(containers.deepCopy(), pending, wasDeferred, requestedAt, failed));
    }

    /** Admitted at the pod's current generation: no pending condition, and not merely Proposed. */
    private static boolean accepted(JsonNode pod) {
        String resize = pod.path("status").path("resize").asText("");
        return pendingReason(pod) == null && (resize.isEmpty() || resize.equals("InProgress"));
    }

    /** The status reports the newest spec enacted: observed, no resize field, no resize condition, running. */
    static boolean done(JsonNode pod) {
        JsonNode status = pod.path("status");
        return status.path("observedGeneration").asLong(0) >= pod.path("metadata").path("generation").asLong(1)
                && !status.hasNonNull("resize") && pendingReason(pod) == null && !inProgress(pod)
                && "Running".equals(status.path("phase").asText());
    }

    private void countRequested(JsonNode before, JsonNode after) {
        for (JsonNode c : after) {
            JsonNode old = null;
            for (JsonNode o : before) {
                if (o.path("name").equals(c.path("name"))) old = o;
            }
            if (old == null) continue;
            for (String requirement : new String[] {"requests", "limits"}) {
                for (String resource : new String[] {"cpu", "memory"}) {
                    String op = operation(old.path("resources").path(requirement).path(resource).asText(null),
                            c.path("resources").path(requirement).path(resource).asText(null));
                    if (op != null) {
                        requestedResizes.labelValues(resource, requirement, op).inc();
                    }
                }
            }
        }
    }

    static String operation(String before, String after) {
        if (before == null && after == null) return null;
        if (before == null) return "add";
        if (after == null) return "remove";
        try {
            int cmp = Quantity.parse(after).compareTo(Quantity.parse(before));
            return cmp > 0 ? "increase" : cmp < 0 ? "decrease" : null;
        } catch (QuantityFormatException e) {
            return null;
        }
    }

    /** The kubelet's low-cardinality reason_detail values for an Infeasible message. */
    static String infeasibleDetail(String message) {
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        if (m.contains("cpu manager")) return "guaranteed_pod_cpu_manager_static_policy";
        if (m.contains("memory manager")) return "guaranteed_pod_memory_manager_static_policy";
        if (m.contains("static pod")) return "static_pod";
        if (m.contains("swap")) return "swap_limitation";
        if (m.contains("capacity")) return "insufficient_node_allocatable";
        return "other";
    }

    private static JsonNode condition(JsonNode pod, String type) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if (type.equals(c.path("type").asText()) && "True".equals(c.path("status").asText("True"))) return c;
        }
        return null;
    }

    static String pendingReason(JsonNode pod) {
        JsonNode c = condition(pod, "PodResizePending");
        return c == null ? null : c.path("reason").asText(null);
    }

    private static String pendingMessage(JsonNode pod) {
        JsonNode c = condition(pod, "PodResizePending");
        return c == null ? null : c.path("message").asText(null);
    }

    static boolean inProgress(JsonNode pod) {
        return condition(pod, "PodResizeInProgress") != null;
    }

    private static String inProgressReason(JsonNode pod) {
        JsonNode c = condition(pod, "PodResizeInProgress");
        return c == null ? null : c.path("reason").asText(null);
    }
}
