package dev.resizelet.agent.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Server-side printing: the {@code meta.k8s.io/v1 Table} kubectl asks for with
 * {@code Accept: application/json;as=Table;v=v1;g=meta.k8s.io}, with the apiserver's pod columns.
 */
public final class PodTable {
    /** {@code includeObject}: None, Metadata (default) or Object. */
    public enum Include { NONE, METADATA, OBJECT }

    private final ObjectMapper json;
    private final Clock clock;

    public PodTable(ObjectMapper json, Clock clock) {
        this.json = json;
        this.clock = clock;
    }

    public static boolean wantsTable(String accept) {
        if (accept == null) {
            return false;
        }
        for (String part : accept.split(",")) {
            String p = part.replace(" ", "");
            if (p.startsWith("application/json") && p.contains("as=Table") && p.contains("g=meta.k8s.io")) {
                return true;
            }
        }
        return false;
    }

    public static Include parseInclude(String value) {
        if (value == null || value.isEmpty() || value.equals("Metadata")) {
            return Include.METADATA;
        }
        return switch (value) {
            case "None" -> Include.NONE;
            case "Object" -> Include.OBJECT;
            default -> throw ApiException.badRequest("includeObject must be one of None, Metadata, Object, got \"" + value + "\"");
        };
    }

    public ObjectNode table(List<ObjectNode> pods, String resourceVersion, Include include) {
        ObjectNode table = json.createObjectNode();
        table.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        ObjectNode meta = table.putObject("metadata");
        if (resourceVersion != null) {
            meta.put("resourceVersion", resourceVersion);
        }
        ArrayNode columns = table.putArray("columnDefinitions");
        column(columns, "Name", "string", "name", "Name must be unique within a namespace.", 0);
        column(columns, "Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0);
        column(columns, "Status", "string", "", "The aggregate status of the containers in this pod.", 0);
        column(columns, "Restarts", "string", "", "The number of times the containers in this pod have been restarted.", 0);
        column(columns, "Age", "string", "", "Time since the pod was created.", 0);
        column(columns, "Node", "string", "", "Name of the node this pod runs on.", 1);
        ArrayNode rows = table.putArray("rows");
        for (ObjectNode pod : pods) {
            rows.add(row(pod, include));
        }
        return table;
    }

    private void column(ArrayNode columns, String name, String type, String format, String description, int priority) {
        columns.addObject().put("name", name).put("type", type).put("format", format).put("description", description)
                .put("priority", priority);
    }

    private ObjectNode row(ObjectNode pod, Include include) {
        ObjectNode row = json.createObjectNode();
        ArrayNode cells = row.putArray("cells");
        JsonNode meta = pod.path("metadata");
        JsonNode status = pod.path("status");
        Printed p = printed(pod);
        String reason = p.reason();
        if (meta.hasNonNull("deletionTimestamp")) {
            reason = "Terminating";
        }
        int ready = p.ready();
        int total = p.total();
        String restarts = Long.toString(p.restarts());
        if (p.restarts() != 0 && p.lastRestart() != null) {
            restarts = p.restarts() + " (" + age(p.lastRestart()) + " ago)";
        }
        cells.add(meta.path("name").asText());
        cells.add(ready + "/" + total);
        cells.add(reason);
        cells.add(restarts);
        cells.add(age(meta.path("creationTimestamp").asText(null)));
        cells.add(pod.path("spec").path("nodeName").asText("<none>"));
        switch (include) {
            case NONE -> { }
            case OBJECT -> row.set("object", pod);
            case METADATA -> {
                ObjectNode partial = row.putObject("object");
                partial.put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
                partial.set("metadata", meta.deepCopy());
            }
        }
        return row;
    }

    /** The READY, STATUS and RESTARTS of a pod, as kubectl's {@code printPod} derives them. */
    record Printed(int ready, int total, String reason, long restarts, String lastRestart) {
    }

    /**
     * kubectl's (and the apiserver's) {@code printPod}: sidecars count as containers; while an init container has
     * not completed the status is {@code Init:N/M} ({@code Init:<reason>} when it waits with a reason or failed);
     * after that the last app container with a waiting or terminated reason decides; restarts are the init
     * containers' while initializing, then the sidecars' and app containers'.
     */
    static Printed printed(JsonNode pod) {
        JsonNode spec = pod.path("spec");
        JsonNode status = pod.path("status");
        String reason = status.path("reason").asText("");
        if (reason.isEmpty()) {
            reason = status.path("phase").asText("Pending");
        }
        int total = spec.path("containers").size();
        java.util.Set<String> sidecars = new java.util.HashSet<>();
        for (JsonNode c : spec.path("initContainers")) {
            if ("Always".equals(c.path("restartPolicy").asText(""))) {
                sidecars.add(c.path("name").asText());
                total++;
            }
        }
        int ready = 0;
        long restarts = 0;
        long sidecarRestarts = 0;
        String lastRestart = null;
        String lastSidecarRestart = null;
        boolean initializing = false;
        JsonNode inits = status.path("initContainerStatuses");
        int initCount = spec.path("initContainers").size();
        for (int i = 0; i < inits.size(); i++) {
            JsonNode c = inits.get(i);
            boolean sidecar = sidecars.contains(c.path("name").asText());
            restarts += c.path("restartCount").asLong(0);
            String finished = c.path("lastState").path("terminated").path("finishedAt").asText(null);
            lastRestart = later(lastRestart, finished);
            if (sidecar) {
                sidecarRestarts += c.path("restartCount").asLong(0);
                lastSidecarRestart = later(lastSidecarRestart, finished);
            }
            JsonNode terminated = c.path("state").path("terminated");
            JsonNode waiting = c.path("state").path("waiting");
            if (!terminated.isMissingNode() && terminated.path("exitCode").asInt(0) == 0) {
                continue;
            }
            if (sidecar && c.path("started").asBoolean(false)) {
                if (c.path("ready").asBoolean(false)) {
                    ready++;
                }
                continue;
            }
            if (!terminated.isMissingNode()) {
                String r = terminated.path("reason").asText("");
                if (r.isEmpty()) {
                    int signal = terminated.path("signal").asInt(0);
                    r = signal != 0 ? "Signal:" + signal : "ExitCode:" + terminated.path("exitCode").asInt(0);
                }
                reason = "Init:" + r;
            } else if (!waiting.isMissingNode() && !waiting.path("reason").asText("").isEmpty()
                    && !waiting.path("reason").asText("").equals("PodInitializing")) {
                reason = "Init:" + waiting.path("reason").asText();
            } else {
                reason = "Init:" + i + "/" + initCount;
            }
            initializing = true;
            break;
        }
        if (!initializing || initializedCondition(status)) {
            restarts = sidecarRestarts;
            lastRestart = lastSidecarRestart;
            boolean hasRunning = false;
            JsonNode apps = status.path("containerStatuses");
            for (int i = apps.size() - 1; i >= 0; i--) {
                JsonNode c = apps.get(i);
                restarts += c.path("restartCount").asLong(0);
                lastRestart = later(lastRestart, c.path("lastState").path("terminated").path("finishedAt").asText(null));
                JsonNode waiting = c.path("state").path("waiting");
                JsonNode terminated = c.path("state").path("terminated");
                if (!waiting.isMissingNode() && !waiting.path("reason").asText("").isEmpty()) {
                    reason = waiting.path("reason").asText();
                } else if (!terminated.isMissingNode() && !terminated.path("reason").asText("").isEmpty()) {
                    reason = terminated.path("reason").asText();
                } else if (!terminated.isMissingNode()) {
                    int signal = terminated.path("signal").asInt(0);
                    reason = signal != 0 ? "Signal:" + signal : "ExitCode:" + terminated.path("exitCode").asInt(0);
                } else if (c.path("ready").asBoolean(false) && c.path("state").has("running")) {
                    hasRunning = true;
                    ready++;
                }
            }
            if (reason.equals("Completed") && hasRunning) {
                reason = readyCondition(status) ? "Running" : "NotReady";
            }
        }
        return new Printed(ready, total, reason, restarts, lastRestart);
    }

    /**
     * The {@code Initialized} condition, or where the status carries none (the agent reports resize conditions only),
     * what the kubelet's {@code GeneratePodInitializedCondition} would set: true once an app container has started.
     */
    private static boolean initializedCondition(JsonNode status) {
        for (JsonNode c : status.path("conditions")) {
            if (c.path("type").asText().equals("Initialized")) {
                return c.path("status").asText().equals("True");
            }
        }
        for (JsonNode c : status.path("containerStatuses")) {
            if (c.path("state").has("running") || c.path("state").has("terminated")
                    || c.path("lastState").has("terminated")) {
                return true;
            }
        }
        return false;
    }

    private static boolean readyCondition(JsonNode status) {
        for (JsonNode c : status.path("conditions")) {
            if (c.path("type").asText().equals("Ready")) {
                return true; // kubectl's hasPodReadyCondition: present, whatever its status
            }
        }
        return false;
    }

    private static String later(String a, String b) {
        if (b == null || b.isEmpty()) {
            return a;
        }
        if (a == null) {
            return b;
        }
        try {
            return Instant.parse(b).isAfter(Instant.parse(a)) ? b : a;
        } catch (DateTimeParseException e) {
            return a;
        }
    }

    String age(String creationTimestamp) {
        if (creationTimestamp == null) {
            return "<unknown>";
        }
        try {
            return humanDuration(Duration.between(Instant.parse(creationTimestamp), clock.instant()));
        } catch (DateTimeParseException e) {
            return "<unknown>";
        }
    }

    /** apimachinery's {@code duration.HumanDuration}. */
    static String humanDuration(Duration d) {
        long seconds = d.getSeconds();
        if (seconds < -1) {
            return "<invalid>";
        } else if (seconds < 0) {
            return "0s";
        } else if (seconds < 60 * 2) {
            return seconds + "s";
        }
        long minutes = d.toMinutes();
        if (minutes < 10) {
            long s = seconds % 60;
            return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
        } else if (minutes < 60 * 3) {
            return minutes + "m";
        }
        long hours = d.toHours();
        if (hours < 8) {
            long m = minutes % 60;
            return m == 0 ? hours + "h" : hours + "h" + m + "m";
        } else if (hours < 48) {
            return hours + "h";
        } else if (hours < 24 * 8) {
            long h = hours % 24;
            return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
        } else if (hours < 24 * 365 * 2) {
            return hours / 24 + "d";
        } else if (hours < 24 * 365 * 8) {
            long dy = (hours / 24) % 365;
            return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
        }
        return hours / 24 / 365 + "y";
    }
}
