package dev.resizelet.core.status;

import com.google.common.collect.Ordering;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The texts of the kubelet's resize events (pkg/kubelet/events/resize.go, Kubernetes 1.35):
 * {@code Pod resize started: {"containers":[{"name":"app","resources":{...}}],"generation":2}}, the same for
 * {@code completed}, {@code error} (with {@code "error"}) and {@code Deferred}/{@code Infeasible} (the desired
 * pod, with the admission message as {@code "error"}). The JSON is byte for byte what Go's
 * {@code encoding/json} writes for the kubelet's {@code podResourceSummary}: init containers (all of them), then
 * containers, each with {@code resources} as {@code {"limits":{...},"requests":{...}}} (empty maps left out,
 * keys sorted), then {@code generation} and {@code error} when not empty. Pure.
 */
public final class ResizeEventMessages {
    private ResizeEventMessages() {
    }

    /** {@code Pod resize started: {...}} of the allocated pod. */
    public static String started(Pod allocated, long generation) {
        return message("Pod resize started", allocated, generation, "");
    }

    /** {@code Pod resize completed: {...}} of the allocated pod. */
    public static String completed(Pod allocated, long generation) {
        return message("Pod resize completed", allocated, generation, "");
    }

    /** {@code Pod resize error: {..., "error": "..."}} of the allocated pod. */
    public static String error(Pod allocated, long generation, String error) {
        return message("Pod resize error", allocated, generation, error);
    }

    /** {@code Pod resize Deferred: {...}} or {@code Pod resize Infeasible: {...}} of the desired pod. */
    public static String pending(Pod desired, String reason, String message, long generation) {
        return message("Pod resize " + reason, desired, generation, message);
    }

    /** The {@code Killing} event of a container that a resize restarts (kuberuntime). */
    public static String restartRequired(String containerName) {
        return "Container " + containerName + " resize requires restart";
    }

    private static String message(String prefix, Pod pod, long generation, String error) {
        // sized for the message of a pod with a few containers, so it is built without growing
        StringBuilder json = new StringBuilder(prefix.length() + 64
                + 128 * (pod.containers().size() + pod.initContainers().size())).append(prefix).append(": {");
        if (!pod.initContainers().isEmpty()) {
            json.append("\"initContainers\":");
            containers(json, pod.initContainers());
            json.append(',');
        }
        if (!pod.containers().isEmpty()) {
            json.append("\"containers\":");
            containers(json, pod.containers());
            json.append(',');
        }
        json.append("\"generation\":").append(generation);
        if (error != null && !error.isEmpty()) {
            json.append(",\"error\":");
            string(json, error);
        }
        return json.append('}').toString();
    }

    private static void containers(StringBuilder json, List<Container> containers) {
        json.append('[');
        for (int i = 0; i < containers.size(); i++) {
            Container c = containers.get(i);
            if (i > 0) {
                json.append(',');
            }
            json.append("{\"name\":");
            string(json, c.name());
            json.append(",\"resources\":");
            resources(json, c.resources());
            json.append('}');
        }
        json.append(']');
    }

    private static void resources(StringBuilder json, ResourceRequirements r) {
        json.append('{');
        boolean limits = !r.limits().isEmpty();
        if (limits) {
            json.append("\"limits\":");
            list(json, r.limits());
        }
        if (!r.requests().isEmpty()) {
            if (limits) {
                json.append(',');
            }
            json.append("\"requests\":");
            list(json, r.requests());
        }
        json.append('}');
    }

    private static void list(StringBuilder json, Map<String, Quantity> quantities) {
        json.append('{');
        boolean first = true;
        // a ResourceRequirements map is sorted by name already
        Map<String, Quantity> sorted = quantities instanceof SortedMap<String, Quantity> m
                && (m.comparator() == null || m.comparator().equals(Ordering.natural())) ? quantities
                : new TreeMap<>(quantities);
        for (Map.Entry<String, Quantity> e : sorted.entrySet()) {
            if (!first) {
                json.append(',');
            }
            first = false;
            string(json, e.getKey());
            json.append(':');
            string(json, e.getValue().toString());
        }
        json.append('}');
    }

    /** A JSON string as Go's encoding/json writes it (HTML-safe: {@code <>&} and U+2028/9 escaped). */
    static void string(StringBuilder json, String s) {
        json.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                case '<', '>', '&', '\u2028', '\u2029' -> json.append(String.format("\\u%04x", (int) c));
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }
}
