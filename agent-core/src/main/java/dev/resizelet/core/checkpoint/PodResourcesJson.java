package dev.resizelet.core.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The JSON payload of a pod's checkpoint:
 * {@code {"uid":"..","generation":3,"containers":{"app":{"requests":{"cpu":"500m"},"limits":{}}}}}.
 * Quantities are stored in Kubernetes' text form.
 */
final class PodResourcesJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private PodResourcesJson() {
    }

    static byte[] write(PodResources r) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("uid", r.uid().value());
        root.put("generation", r.generation());
        ObjectNode containers = root.putObject("containers");
        r.containers().forEach((name, req) -> {
            ObjectNode c = containers.putObject(name);
            writeList(c.putObject("requests"), req.requests());
            writeList(c.putObject("limits"), req.limits());
        });
        try {
            return MAPPER.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize checkpoint of pod " + r.uid(), e);
        }
    }

    static PodResources read(Path file, byte[] payload) {
        try {
            JsonNode root = MAPPER.readTree(payload);
            Map<String, ResourceRequirements> containers = new HashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = root.required("containers").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                containers.put(e.getKey(), new ResourceRequirements(readList(e.getValue().required("requests")),
                        readList(e.getValue().required("limits"))));
            }
            return new PodResources(PodUid.of(root.required("uid").asText()), root.required("generation").asLong(),
                    containers);
        } catch (IOException | IllegalArgumentException e) {
            throw new CheckpointCorruptException(file, "unreadable payload: " + e.getMessage());
        }
    }

    private static void writeList(ObjectNode node, Map<String, Quantity> list) {
        list.forEach((k, v) -> node.put(k, v.toString()));
    }

    private static Map<String, Quantity> readList(JsonNode node) {
        Map<String, Quantity> m = new HashMap<>();
        node.fields().forEachRemaining(e -> m.put(e.getKey(), Quantity.parse(e.getValue().asText())));
        return m;
    }
}
