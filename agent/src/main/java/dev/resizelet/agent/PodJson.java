package dev.resizelet.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resizelet.agent.http.ApiException;
import dev.resizelet.agent.http.LabelRules;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.status.PodCondition;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodLevelDefaults;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.QuantityFormatException;
import dev.resizelet.core.model.ResizeRestartPolicy;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.core.validation.FieldError;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one place where Kubernetes Pod JSON and agent-core's model meet: {@link #decode} turns a request body
 * into a {@link Pod} (422 with every problem as a cause), {@link #encodeSpec} and the status encoder turn the
 * model back into the JSON kubectl reads.
 */
public final class PodJson {
    private final ObjectMapper json;

    public PodJson(ObjectMapper json) {
        this.json = json;
    }

    /** A pod from a (schema-checked) Pod object; {@code uid} and {@code generation} come from the agent, not the body. */
    public Pod decode(ObjectNode body, String namespace, PodUid uid, long generation) {
        List<ApiException.Cause> causes = new ArrayList<>();
        JsonNode meta = body.path("metadata");
        JsonNode spec = body.path("spec");
        String name = meta.path("name").asText("");
        Map<String, String> annotations = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = meta.path("annotations").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            annotations.put(e.getKey(), e.getValue().asText());
        }
        Map<String, String> labels = LabelRules.read(meta.path("labels"), "metadata.labels", causes);
        JsonNode priorityNode = spec.get("priority");
        int priority = 0;
        if (priorityNode != null && !priorityNode.isNull()) {
            if (!priorityNode.canConvertToInt()) {
                causes.add(new ApiException.Cause("FieldValueInvalid", "Invalid value: " + priorityNode
                        + ": must be a 32-bit integer", "spec.priority"));
            } else {
                priority = priorityNode.asInt();
            }
        }
        // defaulted as the apiserver does (SetDefaults_PodSpec): 30 s when not given
        long terminationGracePeriod = Pod.DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
        JsonNode graceNode = spec.get("terminationGracePeriodSeconds");
        if (graceNode != null && !graceNode.isNull()) {
            if (!graceNode.isIntegralNumber() || !graceNode.canConvertToLong()) {
                causes.add(new ApiException.Cause("FieldValueInvalid", "Invalid value: " + graceNode
                        + ": must be an integer", "spec.terminationGracePeriodSeconds"));
            } else {
                terminationGracePeriod = graceNode.asLong();
            }
        }
        if (!spec.has("containers") || spec.path("containers").isEmpty()) {
            causes.add(new ApiException.Cause("FieldValueRequired", "Required value", "spec.containers"));
        }
        List<Container> containers = containers(spec.path("containers"), "spec.containers", causes);
        List<Container> initContainers = containers(spec.path("initContainers"), "spec.initContainers", causes);
        ResourceRequirements podResources = new ResourceRequirements(
                quantities(spec.path("resources").path("requests"), "spec.resources.requests", causes),
                quantities(spec.path("resources").path("limits"), "spec.resources.limits", causes));
        if (!causes.isEmpty()) {
            throw ApiException.invalid("Pod", name, causes);
        }
        try {
            Pod pod = new Pod(namespace, name, uid, generation, priority, annotations, initContainers, containers, labels,
                    spec.hasNonNull("restartPolicy") ? spec.get("restartPolicy").asText() : null, terminationGracePeriod);
            return pod.withPodResources(PodLevelDefaults.requests(pod, podResources));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("Pod", name, List.of(new ApiException.Cause("FieldValueInvalid", e.getMessage(), "")));
        }
    }

    private List<Container> containers(JsonNode list, String path, List<ApiException.Cause> causes) {
        List<Container> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode c = list.get(i);
            String at = path + "[" + i + "]";
            String name = c.path("name").asText("");
            List<String> command = new ArrayList<>();
            c.path("command").forEach(x -> command.add(x.asText()));
            List<String> args = new ArrayList<>();
            c.path("args").forEach(x -> args.add(x.asText()));
            Map<String, Quantity> requests = quantities(c.path("resources").path("requests"), at + ".resources.requests", causes);
            Map<String, Quantity> limits = quantities(c.path("resources").path("limits"), at + ".resources.limits", causes);
            Map<String, ResizeRestartPolicy> policies = new LinkedHashMap<>();
            JsonNode rp = c.path("resizePolicy");
            for (int j = 0; j < rp.size(); j++) {
                String resource = rp.get(j).path("resourceName").asText("");
                String policy = rp.get(j).path("restartPolicy").asText("");
                try {
                    policies.put(resource, ResizeRestartPolicy.fromWireName(policy));
                } catch (IllegalArgumentException e) {
                    causes.add(new ApiException.Cause("FieldValueNotSupported", e.getMessage(), at + ".resizePolicy[" + j + "].restartPolicy"));
                }
            }
            String restartPolicy = c.hasNonNull("restartPolicy") ? c.get("restartPolicy").asText() : null;
            if (name.isEmpty()) {
                causes.add(new ApiException.Cause("FieldValueRequired", "Required value", at + ".name"));
                continue;
            }
            try {
                out.add(new Container(name, c.path("image").asText(""), command, new ResourceRequirements(requests, limits),
                        policies, restartPolicy, args));
            } catch (IllegalArgumentException e) {
                String message = e.getMessage();
                if (message != null && message.startsWith("name: ")) {
                    causes.add(new ApiException.Cause("FieldValueInvalid", message.substring("name: ".length()), at + ".name"));
                } else {
                    causes.add(new ApiException.Cause("FieldValueInvalid", String.valueOf(message), at));
                }
            }
        }
        return out;
    }

    private static Map<String, Quantity> quantities(JsonNode map, String path, List<ApiException.Cause> causes) {
        Map<String, Quantity> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String text = e.getValue().asText();
            try {
                out.put(e.getKey(), Quantity.parse(text));
            } catch (QuantityFormatException ex) {
                causes.add(new ApiException.Cause("FieldValueInvalid", "Invalid value: \"" + text + "\": " + ex.getMessage(),
                        path + "[" + e.getKey() + "]"));
            }
        }
        return out;
    }

    /** The spec part of the JSON a client reads back. */
    public ObjectNode encodeSpec(Pod pod, String nodeName) {
        ObjectNode spec = json.createObjectNode();
        if (!pod.initContainers().isEmpty()) {
            spec.set("initContainers", encodeContainers(pod.initContainers()));
        }
        spec.set("containers", encodeContainers(pod.containers()));
        if (pod.hasPodLevelResources()) {
            spec.set("resources", resources(pod.podResources()));
        }
        spec.put("restartPolicy", pod.restartPolicy());
        spec.put("priority", pod.priority());
        spec.put("terminationGracePeriodSeconds", pod.terminationGracePeriodSeconds() == null
                ? Pod.DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS : pod.terminationGracePeriodSeconds());
        if (nodeName != null) {
            spec.put("nodeName", nodeName);
        }
        return spec;
    }

    private ArrayNode encodeContainers(List<Container> containers) {
        ArrayNode array = json.createArrayNode();
        for (Container c : containers) {
            ObjectNode node = array.addObject();
            node.put("name", c.name());
            node.put("image", c.image());
            if (!c.command().isEmpty()) {
                ArrayNode cmd = node.putArray("command");
                c.command().forEach(cmd::add);
            }
            if (!c.args().isEmpty()) {
                ArrayNode args = node.putArray("args");
                c.args().forEach(args::add);
            }
            node.set("resources", resources(c.resources()));
            if (!c.resizePolicy().isEmpty()) {
                ArrayNode rp = node.putArray("resizePolicy");
                c.resizePolicy().forEach((resource, policy) ->
                        rp.addObject().put("resourceName", resource).put("restartPolicy", policy.wireName()));
            }
            if (c.restartPolicy() != null) {
                node.put("restartPolicy", c.restartPolicy());
            }
        }
        return array;
    }

    /** A whole Pod object as kubectl reads it: metadata, spec and the status the agent composed. */
    public ObjectNode encode(PodView view) {
        Pod pod = view.spec();
        ObjectNode node = json.createObjectNode();
        node.put("apiVersion", "v1").put("kind", "Pod");
        ObjectNode meta = node.putObject("metadata");
        meta.put("name", pod.name()).put("namespace", pod.namespace()).put("uid", pod.uid().value())
                .put("resourceVersion", Long.toString(view.resourceVersion())).put("generation", view.generation())
                .put("creationTimestamp", timestamp(view.creationTimestamp()));
        if (view.terminating()) {
            meta.put("deletionTimestamp", timestamp(view.deletionTimestamp()))
                    .put("deletionGracePeriodSeconds", view.deletionGracePeriodSeconds());
        }
        if (!pod.labels().isEmpty()) {
            ObjectNode labels = meta.putObject("labels");
            new TreeMap<>(pod.labels()).forEach(labels::put);
        }
        if (!pod.annotations().isEmpty()) {
            ObjectNode annotations = meta.putObject("annotations");
            new TreeMap<>(pod.annotations()).forEach(annotations::put);
        }
        node.set("spec", encodeSpec(pod, null));
        node.set("status", encodeStatus(view.status(), view.creationTimestamp(), pod.initContainers().stream()
                .filter(Container::isSidecar).map(Container::name).collect(java.util.stream.Collectors.toSet())));
        return node;
    }

    /** {@code status}: phase, QoS class, the 1.27 {@code resize} field, resize conditions and container statuses. */
    public ObjectNode encodeStatus(PodStatus status, Instant startTime) {
        return encodeStatus(status, startTime, java.util.Set.of());
    }

    /** As above, knowing which init containers are sidecars (their readiness counts in the pod's). */
    public ObjectNode encodeStatus(PodStatus status, Instant startTime, java.util.Set<String> sidecars) {
        ObjectNode node = json.createObjectNode();
        node.put("phase", status.phase());
        if (status.reason() != null) {
            node.put("reason", status.reason());
        }
        if (status.message() != null) {
            node.put("message", status.message());
        }
        if (status.qosClass() != null) {
            node.put("qosClass", status.qosClass().wireName());
        }
        if (status.resize() != null) {
            node.put("resize", status.resize());
        }
        ArrayNode conditions = json.createArrayNode();
        if (!status.conditions().isEmpty()) {
            for (PodCondition c : status.conditions()) {
                ObjectNode cn = conditions.addObject();
                cn.put("type", c.type()).put("status", c.status());
                if (!c.reason().isEmpty()) {
                    cn.put("reason", c.reason());
                }
                if (!c.message().isEmpty()) {
                    cn.put("message", c.message());
                }
                cn.put("observedGeneration", c.observedGeneration());
                cn.put("lastProbeTime", (String) null);
                cn.put("lastTransitionTime", timestamp(c.lastTransitionTime()));
            }
        }
        PodConditions.append(conditions, status, sidecars, startTime, PodJson::timestamp);
        if (!conditions.isEmpty()) {
            node.set("conditions", conditions);
        }
        node.put("observedGeneration", status.observedGeneration());
        if (status.allocatedResources() != null && !status.allocatedResources().isEmpty()) { // omitempty
            ObjectNode allocated = node.putObject("allocatedResources");
            new TreeMap<>(status.allocatedResources()).forEach((k, v) -> allocated.put(k, v.toString()));
        }
        if (status.resources() != null) {
            node.set("resources", resources(status.resources()));
        }
        node.put("startTime", timestamp(startTime));
        if (!status.initContainerStatuses().isEmpty()) {
            encodeContainerStatuses(node.putArray("initContainerStatuses"), status.initContainerStatuses());
        }
        encodeContainerStatuses(node.putArray("containerStatuses"), status.containerStatuses());
        return node;
    }

    private void encodeContainerStatuses(ArrayNode containers, List<PodStatus.ContainerStatus> statuses) {
        for (PodStatus.ContainerStatus c : statuses) {
            ObjectNode cn = containers.addObject();
            cn.put("name", c.name());
            if (c.containerId() != null) {
                cn.put("containerID", c.containerId());
            }
            cn.put("image", c.image() == null ? "" : c.image());
            cn.put("imageID", "");
            cn.put("ready", c.ready());
            cn.put("started", c.started());
            cn.put("restartCount", c.restartCount());
            ObjectNode state = cn.putObject("state");
            switch (c.state()) {
                case "running" -> {
                    ObjectNode running = state.putObject("running");
                    if (c.startedAt() != null) {
                        running.put("startedAt", timestamp(c.startedAt()));
                    }
                }
                case "terminated" -> {
                    if (c.terminated() != null) {
                        terminated(state, c.terminated());
                    } else {
                        ObjectNode terminated = state.putObject("terminated");
                        terminated.put("exitCode", 0);
                        if (c.stateReason() != null) {
                            terminated.put("reason", c.stateReason());
                        }
                    }
                }
                default -> {
                    ObjectNode waiting = state.putObject("waiting");
                    if (c.stateReason() != null) {
                        waiting.put("reason", c.stateReason());
                    }
                    if (c.stateMessage() != null) {
                        waiting.put("message", c.stateMessage());
                    }
                }
            }
            ObjectNode last = cn.putObject("lastState");
            if (c.lastState() != null) {
                terminated(last, c.lastState());
            }
            if (c.allocatedResources() != null && !c.allocatedResources().requests().isEmpty()) { // omitempty
                ObjectNode allocated = cn.putObject("allocatedResources");
                c.allocatedResources().requests().forEach((k, v) -> allocated.put(k, v.toString()));
            }
            if (c.resources() != null) {
                cn.set("resources", resources(c.resources()));
            }
        }
    }

    /** {@code terminated: {exitCode, reason, startedAt, finishedAt, containerID}} under {@code parent}. */
    private static void terminated(ObjectNode parent, PodStatus.Terminated t) {
        ObjectNode node = parent.putObject("terminated");
        node.put("exitCode", t.exitCode());
        if (t.reason() != null) {
            node.put("reason", t.reason());
        }
        if (t.startedAt() != null) {
            node.put("startedAt", timestamp(t.startedAt()));
        }
        if (t.finishedAt() != null) {
            node.put("finishedAt", timestamp(t.finishedAt()));
        }
        if (t.containerId() != null) {
            node.put("containerID", t.containerId());
        }
    }

    /** RFC 3339 in seconds, UTC, as Kubernetes writes {@code metav1.Time}. */
    public static String timestamp(Instant t) {
        return DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
    }

    /**
     * {@code {requests: {...}, limits: {...}}} with Kubernetes quantity strings, by name (a ResourceRequirements map is
     * sorted); empty maps are omitted.
     */
    public ObjectNode resources(ResourceRequirements r) {
        ObjectNode node = json.createObjectNode();
        if (!r.requests().isEmpty()) {
            ObjectNode req = node.putObject("requests");
            r.requests().forEach((k, v) -> req.put(k, v.toString()));
        }
        if (!r.limits().isEmpty()) {
            ObjectNode lim = node.putObject("limits");
            r.limits().forEach((k, v) -> lim.put(k, v.toString()));
        }
        return node;
    }

    /** agent-core's validation errors as Status causes, in the apiserver's words. */
    public static List<ApiException.Cause> causes(List<FieldError> errors) {
        return errors.stream().map(e -> new ApiException.Cause(e.type().causeReason(), e.body(), e.field())).toList();
    }
}
