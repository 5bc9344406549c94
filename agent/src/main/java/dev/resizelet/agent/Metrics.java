package dev.resizelet.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resizelet.agent.http.PodService;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.QuantityFormatException;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code /metrics}: the kubelet's resize metrics (names and labels as kubelet 1.34 exports them) and the agent's
 * own counters. Counters are derived from the stream of pod changes ({@link #observe}), gauges from the pods'
 * current conditions at scrape time.
 */
public final class Metrics {
    /** kubelet's buckets for kubelet_pod_resize_duration_milliseconds. */
    static final double[] RESIZE_MS_BUCKETS = {10, 50, 100, 500, 1000, 2000, 5000, 10000, 20000, 30000, 60000, 120000, 300000, 600000};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PodService pods;
    private final Clock clock;
    private final Counter requestedResizes;
    private final Histogram resizeDuration;
    private final Counter infeasible;
    private final Counter deferredAccepted;
    private final Map<String, PodState> states = new HashMap<>(); // guarded by this
    private String lastRoomFreeingEvent = "periodic_retry"; // guarded by this

    /** What we remember about one pod to derive transitions. */
    private record PodState(JsonNode containers, String pending, Instant inProgressSince, boolean failed) {}

    public Metrics(PodService pods, Supplier<Map<String, Long>> agentCounters, Clock clock) {
        this.pods = pods;
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
                    for (ObjectNode pod : pods.list(null).items()) {
                        String reason = pendingReason(pod);
                        if ("Deferred".equals(reason)) deferred++;
                        if ("Infeasible".equals(reason)) infeasibleNow++;
                    }
                    if (deferred > 0) cb.call(deferred, "deferred");
                    if (infeasibleNow > 0) cb.call(infeasibleNow, "infeasible");
                }).register(registry);
        GaugeWithCallback.builder().name("kubelet_pod_in_progress_resizes").help("Number of in-progress resizes for pods.")
                .callback(cb -> cb.call(pods.list(null).items().stream().filter(Metrics::inProgress).count())).register(registry);
        CounterWithCallback.builder().name("resizelet_agent_events").help("The node agent's own counters (enactment passes, ...).")
                .labelNames("counter").callback(cb -> agentCounters.get().forEach((k, v) -> cb.call(v, k))).register(registry);
    }

    public void write(OutputStream out) throws IOException {
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
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
        Instant inProgressSince = before == null ? null : before.inProgressSince();
        boolean nowInProgress = inProgress(pod);
        if (before != null) {
            countRequested(before.containers(), containers);
            if ("Infeasible".equals(pending) && !"Infeasible".equals(before.pending())) {
                infeasible.labelValues(infeasibleDetail(pendingMessage(pod))).inc();
            }
            if ("Deferred".equals(before.pending()) && pending == null) {
                deferredAccepted.labelValues(lastRoomFreeingEvent).inc();
            }
            if (inProgressSince != null && !nowInProgress) {
                resizeDuration.labelValues("true").observe(java.time.Duration.between(inProgressSince, clock.instant()).toMillis());
                inProgressSince = null;
                lastRoomFreeingEvent = "pod_resized";
            }
        }
        if (nowInProgress && inProgressSince == null) {
            inProgressSince = clock.instant();
        }
        boolean failed = nowInProgress && "Error".equals(inProgressReason(pod));
        if (failed && (before == null || !before.failed())) {
            resizeDuration.labelValues("false").observe(java.time.Duration.between(inProgressSince, clock.instant()).toMillis());
        }
        states.put(key, new PodState(containers.deepCopy(), pending, inProgressSince, failed));
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
