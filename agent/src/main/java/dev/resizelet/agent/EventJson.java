package dev.resizelet.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resizelet.core.status.ResizeEvent;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/** The agent's resize events as Kubernetes {@code v1 Event} objects, involving the pod they are about. */
public final class EventJson {
    /** {@code source.component} and {@code reportingComponent}: the kubelet writes "kubelet" here. */
    static final String COMPONENT = "resizelet";

    private final ObjectMapper json;
    private final String host;

    public EventJson(ObjectMapper json, String host) {
        this.json = json;
        this.host = host;
    }

    public ObjectNode encode(ResizeEvent e) {
        ObjectNode node = json.createObjectNode();
        node.put("apiVersion", "v1").put("kind", "Event");
        String time = PodJson.timestamp(e.time());
        ObjectNode meta = node.putObject("metadata");
        meta.put("name", e.podName() + "." + String.format("%016x", e.sequence())).put("namespace", e.namespace())
                .put("uid", UUID.nameUUIDFromBytes((e.uid().value() + "/" + e.sequence()).getBytes(StandardCharsets.UTF_8)).toString())
                .put("resourceVersion", Long.toString(e.sequence())).put("creationTimestamp", time);
        ObjectNode involved = node.putObject("involvedObject");
        involved.put("apiVersion", "v1").put("kind", "Pod").put("namespace", e.namespace()).put("name", e.podName());
        involved.put("uid", e.uid().value());
        node.put("reason", e.reason());
        node.put("message", e.message() == null ? "" : e.message());
        node.put("type", e.eventType());
        node.putObject("source").put("component", COMPONENT).put("host", host);
        node.put("firstTimestamp", time).put("lastTimestamp", time).put("count", 1);
        node.putNull("eventTime");
        node.put("reportingComponent", COMPONENT).put("reportingInstance", host);
        return node;
    }
}
