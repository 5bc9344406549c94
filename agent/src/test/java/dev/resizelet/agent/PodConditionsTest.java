package dev.resizelet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.model.QosClass;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PodConditionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static PodStatus.ContainerStatus running(String name, boolean ready, Instant at) {
        return new PodStatus.ContainerStatus(name, "fake-cri://" + name, "busybox", ready, 0, "running", null, at, null, null,
                true, null, null, null);
    }

    private static PodStatus.ContainerStatus waiting(String name) {
        return new PodStatus.ContainerStatus(name, null, "busybox", false, 0, "waiting", "PodInitializing", null, null, null);
    }

    private static JsonNode conditions(PodStatus status) {
        ArrayNode out = JSON.createArrayNode();
        PodConditions.append(out, status, Set.of("sidecar"), T0, PodJson::timestamp);
        return out;
    }

    private static JsonNode condition(JsonNode conditions, String type) {
        for (JsonNode c : conditions) {
            if (c.path("type").asText().equals(type)) {
                return c;
            }
        }
        throw new AssertionError("no " + type + " in " + conditions);
    }

    @Test
    void aRunningPodWithReadyContainersAndASidecarIsReady() {
        PodStatus status = new PodStatus("Running", null, null, QosClass.BURSTABLE, null, List.of(), 1,
                List.of(running("app", true, T0.plusSeconds(2))), List.of(running("sidecar", true, T0.plusSeconds(1))));

        JsonNode c = conditions(status);

        assertThat(c.findValues("type")).extracting(JsonNode::asText)
                .containsExactly("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled");
        assertThat(c.findValues("status")).extracting(JsonNode::asText).containsOnly("True");
        assertThat(condition(c, "Ready").path("lastTransitionTime").asText()).isEqualTo("2026-01-01T00:00:02Z");
        assertThat(condition(c, "PodScheduled").path("lastTransitionTime").asText()).isEqualTo("2026-01-01T00:00:00Z");
    }

    @Test
    void aPodHeldByARunningInitContainerIsNotInitializedNorReady() {
        PodStatus status = new PodStatus("Pending", null, null, QosClass.BURSTABLE, null, List.of(), 1,
                List.of(waiting("app")), List.of(running("init", false, T0.plusSeconds(1))));

        JsonNode c = conditions(status);

        assertThat(condition(c, "PodReadyToStartContainers").path("status").asText()).isEqualTo("True");
        assertThat(condition(c, "Initialized").path("status").asText()).isEqualTo("False");
        assertThat(condition(c, "Initialized").path("reason").asText()).isEqualTo("ContainersNotInitialized");
        assertThat(condition(c, "Initialized").path("message").asText()).isEqualTo("containers with incomplete status: [init]");
        assertThat(condition(c, "Ready").path("reason").asText()).isEqualTo("ContainersNotReady");
        assertThat(condition(c, "Ready").path("message").asText()).isEqualTo("containers with unready status: [app]");
        assertThat(condition(c, "ContainersReady").path("status").asText()).isEqualTo("False");
    }

    @Test
    void aPodTheNodeRejectedHasNoConditions() {
        PodStatus status = new PodStatus("Failed", "OutOfcpu", "Node didn't have enough resource: cpu", QosClass.BURSTABLE,
                null, List.of(), 1, List.of(waiting("app")));

        assertThat(conditions(status)).isEmpty();
    }
}
