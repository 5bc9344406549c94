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
        int total = pod.path("spec").path("containers").size();
        int ready = 0;
        long restarts = 0;
        String reason = status.path("phase").asText("Pending");
        for (JsonNode cs : status.path("containerStatuses")) {
            if (cs.path("ready").asBoolean(false)) {
                ready++;
            }
            restarts += cs.path("restartCount").asLong(0);
            String waiting = cs.path("state").path("waiting").path("reason").asText("");
            String terminated = cs.path("state").path("terminated").path("reason").asText("");
            if (!waiting.isEmpty()) {
                reason = waiting;
            } else if (!terminated.isEmpty()) {
                reason = terminated;
            }
        }
        if (meta.hasNonNull("deletionTimestamp")) {
            reason = "Terminating";
        }
        cells.add(meta.path("name").asText());
        cells.add(ready + "/" + total);
        cells.add(reason);
        cells.add(Long.toString(restarts));
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
