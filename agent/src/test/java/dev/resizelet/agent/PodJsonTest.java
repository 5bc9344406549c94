package dev.resizelet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.status.ResizeEvent;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.QosClass;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00.250Z");
    private final PodJson codec = new PodJson(JSON);

    private static ResourceRequirements cpu(String request, String limit) {
        return new ResourceRequirements(Map.of("cpu", Quantity.parse(request)), limit == null ? Map.of() : Map.of("cpu", Quantity.parse(limit)));
    }

    private static Pod pod(long generation) {
        return new Pod("default", "web", PodUid.of("0b3a9d5e-1111-2222-3333-444455556666"), generation, 0, Map.of("team", "a"),
                List.of(), List.of(new Container("c", "nginx", List.of(), cpu("800m", "1"), Map.of(), null)));
    }

    @Test
    void aPodWithADeferredResizeCarriesMetadataConditionsAndBothResourceViews() {
        PodStatus status = new PodStatus("Running", null, null, QosClass.BURSTABLE, "Deferred",
                List.of(new dev.resizelet.core.status.PodCondition("PodResizePending", "True", "Deferred", "Node didn't have enough resource: cpu",
                        2, T0.plusSeconds(5))),
                1, List.of(new PodStatus.ContainerStatus("c", "fake-cri://abc", "nginx", true, 0, "running", null,
                        T0.plusSeconds(1), new ResourceRequirements(Map.of("cpu", Quantity.parse("500m")), Map.of()),
                        cpu("500m", "1"))));

        JsonNode json = codec.encode(new PodView(pod(2), status, 42, 2, T0));

        assertThat(json.at("/metadata/resourceVersion").asText()).isEqualTo("42");
        assertThat(json.at("/metadata/generation").asLong()).isEqualTo(2);
        assertThat(json.at("/metadata/creationTimestamp").asText()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(json.at("/metadata/annotations/team").asText()).isEqualTo("a");
        assertThat(json.at("/spec/containers/0/resources/requests/cpu").asText()).isEqualTo("800m");
        assertThat(json.at("/status/phase").asText()).isEqualTo("Running");
        assertThat(json.at("/status/qosClass").asText()).isEqualTo("Burstable");
        assertThat(json.at("/status/resize").asText()).isEqualTo("Deferred");
        assertThat(json.at("/status/observedGeneration").asLong()).isEqualTo(1);
        JsonNode condition = json.at("/status/conditions/0");
        assertThat(condition.get("type").asText()).isEqualTo("PodResizePending");
        assertThat(condition.get("reason").asText()).isEqualTo("Deferred");
        assertThat(condition.get("observedGeneration").asLong()).isEqualTo(2);
        assertThat(condition.get("lastTransitionTime").asText()).isEqualTo("2026-01-01T00:00:05Z");
        JsonNode cs = json.at("/status/containerStatuses/0");
        assertThat(cs.get("containerID").asText()).isEqualTo("fake-cri://abc");
        assertThat(cs.get("started").asBoolean()).isTrue();
        assertThat(cs.at("/state/running/startedAt").asText()).isEqualTo("2026-01-01T00:00:01Z");
        assertThat(cs.get("allocatedResources").toString()).isEqualTo("{\"cpu\":\"500m\"}");
        assertThat(cs.at("/resources/requests/cpu").asText()).isEqualTo("500m");
        assertThat(cs.at("/resources/limits/cpu").asText()).isEqualTo("1");
    }

    @Test
    void aFailedPodSaysWhyAndAWaitingContainerHasNoAllocation() {
        PodStatus status = new PodStatus("Failed", "OutOfcpu", "Node didn't have enough capacity: cpu, requested: 5000, capacity: 4000",
                QosClass.BURSTABLE, null, List.of(), 1,
                List.of(new PodStatus.ContainerStatus("c", null, "nginx", false, 0, "waiting", "ContainerCreating", null, null, null)));

        JsonNode json = codec.encode(new PodView(pod(1), status, 3, 1, T0));

        assertThat(json.at("/status/phase").asText()).isEqualTo("Failed");
        assertThat(json.at("/status/reason").asText()).isEqualTo("OutOfcpu");
        assertThat(json.at("/status/message").asText()).contains("requested: 5000");
        assertThat(json.at("/status").has("resize")).isFalse();
        assertThat(json.at("/status").has("conditions")).isFalse();
        JsonNode cs = json.at("/status/containerStatuses/0");
        assertThat(cs.has("containerID")).isFalse();
        assertThat(cs.at("/state/waiting/reason").asText()).isEqualTo("ContainerCreating");
        assertThat(cs.has("allocatedResources")).isFalse();
        assertThat(cs.get("ready").asBoolean()).isFalse();
    }

    @Test
    void aResizeEventBecomesAKubernetesEventAboutThePod() {
        EventJson events = new EventJson(JSON, "node-1");

        JsonNode e = events.encode(new ResizeEvent(7, "default", "web", dev.resizelet.core.model.PodUid.of("u-1"),
                ResizeEvent.Type.RESIZE_DEFERRED, "no room", T0));

        assertThat(e.get("kind").asText()).isEqualTo("Event");
        assertThat(e.at("/metadata/name").asText()).isEqualTo("web.0000000000000007");
        assertThat(e.at("/metadata/namespace").asText()).isEqualTo("default");
        assertThat(e.at("/involvedObject/kind").asText()).isEqualTo("Pod");
        assertThat(e.at("/involvedObject/name").asText()).isEqualTo("web");
        assertThat(e.at("/involvedObject/uid").asText()).isEqualTo("u-1");
        assertThat(e.get("reason").asText()).isEqualTo("ResizeDeferred");
        assertThat(e.get("type").asText()).isEqualTo("Warning");
        assertThat(e.get("firstTimestamp").asText()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(e.get("lastTimestamp").asText()).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(e.get("count").asInt()).isEqualTo(1);
        assertThat(e.at("/source/component").asText()).isEqualTo("resizelet");
    }

    @Test
    void aTerminatingPodCarriesItsDeletionTimestampAndGracePeriodAndTheSpecItsTerminationGracePeriod() {
        PodStatus status = new PodStatus("Running", null, null, QosClass.BURSTABLE, null, List.of(), 1, List.of());
        Pod pod = pod(1).withTerminationGracePeriodSeconds(45L);

        JsonNode terminating = codec.encode(new PodView(pod, status, 9, 1, T0, T0.plusSeconds(45), 45L));
        JsonNode running = codec.encode(new PodView(pod(1), status, 8, 1, T0));

        assertThat(terminating.at("/metadata/deletionTimestamp").asText()).isEqualTo("2026-01-01T00:00:45Z");
        assertThat(terminating.at("/metadata/deletionGracePeriodSeconds").asLong()).isEqualTo(45);
        assertThat(terminating.at("/spec/terminationGracePeriodSeconds").asLong()).isEqualTo(45);
        assertThat(running.at("/metadata").has("deletionTimestamp")).isFalse();
        assertThat(running.at("/spec/terminationGracePeriodSeconds").asLong()).isEqualTo(30);
    }

    @Test
    void theTerminationGracePeriodIsReadAndDefaultedTo30AsTheApiserverDoes() throws Exception {
        String given = "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"terminationGracePeriodSeconds\":5,"
                + "\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}";
        String absent = "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}";
        String bad = "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"terminationGracePeriodSeconds\":\"soon\","
                + "\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}";
        PodUid uid = PodUid.of("0b3a9d5e-1111-2222-3333-444455556666");

        assertThat(codec.decode((com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(given), "default", uid, 1)
                .terminationGracePeriodSeconds()).isEqualTo(5);
        assertThat(codec.decode((com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(absent), "default", uid, 1)
                .terminationGracePeriodSeconds()).isEqualTo(30);
        dev.resizelet.agent.http.ApiException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.resizelet.agent.http.ApiException.class,
                () -> codec.decode((com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(bad), "default", uid, 1));
        assertThat(e.code()).isEqualTo(422);
    }
}
