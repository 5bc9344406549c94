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

/** Server-side printing of events with the apiserver's columns: what {@code kubectl get events} shows. */
public final class EventTable {
    private final ObjectMapper json;
    private final Clock clock;

    public EventTable(ObjectMapper json, Clock clock) {
        this.json = json;
        this.clock = clock;
    }

    public ObjectNode table(List<ObjectNode> events, String resourceVersion, PodTable.Include include) {
        ObjectNode table = json.createObjectNode();
        table.put("kind", "Table").put("apiVersion", "meta.k8s.io/v1");
        ObjectNode meta = table.putObject("metadata");
        if (resourceVersion != null) {
            meta.put("resourceVersion", resourceVersion);
        }
        ArrayNode columns = table.putArray("columnDefinitions");
        column(columns, "Last Seen", "string", 0);
        column(columns, "Type", "string", 0);
        column(columns, "Reason", "string", 0);
        column(columns, "Object", "string", 0);
        column(columns, "Subobject", "string", 1);
        column(columns, "Source", "string", 1);
        column(columns, "Message", "string", 0);
        column(columns, "First Seen", "string", 1);
        column(columns, "Count", "string", 1);
        column(columns, "Name", "string", 1);
        ArrayNode rows = table.putArray("rows");
        for (ObjectNode e : events) {
            rows.add(row(e, include));
        }
        return table;
    }

    private static void column(ArrayNode columns, String name, String type, int priority) {
        columns.addObject().put("name", name).put("type", type).put("format", "").put("description", name).put("priority", priority);
    }

    private ObjectNode row(ObjectNode e, PodTable.Include include) {
        ObjectNode row = json.createObjectNode();
        ArrayNode cells = row.putArray("cells");
        JsonNode involved = e.path("involvedObject");
        cells.add(age(e.path("lastTimestamp").asText(null)));
        cells.add(e.path("type").asText(""));
        cells.add(e.path("reason").asText(""));
        cells.add(involved.path("kind").asText("").toLowerCase() + "/" + involved.path("name").asText(""));
        cells.add(involved.path("fieldPath").asText(""));
        cells.add(e.path("source").path("component").asText("") + ", " + e.path("source").path("host").asText(""));
        cells.add(e.path("message").asText(""));
        cells.add(age(e.path("firstTimestamp").asText(null)));
        cells.add(Long.toString(e.path("count").asLong(1)));
        cells.add(e.path("metadata").path("name").asText(""));
        switch (include) {
            case NONE -> { }
            case OBJECT -> row.set("object", e);
            case METADATA -> {
                ObjectNode partial = row.putObject("object");
                partial.put("kind", "PartialObjectMetadata").put("apiVersion", "meta.k8s.io/v1");
                partial.set("metadata", e.path("metadata").deepCopy());
            }
        }
        return row;
    }

    private String age(String timestamp) {
        if (timestamp == null) {
            return "<unknown>";
        }
        try {
            return PodTable.humanDuration(Duration.between(Instant.parse(timestamp), clock.instant()));
        } catch (DateTimeParseException e) {
            return "<unknown>";
        }
    }
}
