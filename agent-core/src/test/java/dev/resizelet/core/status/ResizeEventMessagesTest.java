package dev.resizelet.core.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cases of kubelet's pkg/kubelet/events/resize_test.go (Kubernetes 1.35), with their expected texts. */
class ResizeEventMessagesTest {

    /** testResources{cpuReq, cpuLim, memReq, memLim}: millicores and bytes, 0 = unset. */
    private static ResourceRequirements r(long cpuReq, long cpuLim, long memReq, long memLim) {
        Map<String, Quantity> req = new LinkedHashMap<>();
        Map<String, Quantity> lim = new LinkedHashMap<>();
        if (cpuReq != 0) req.put("cpu", Quantity.ofMillis(cpuReq));
        if (cpuLim != 0) lim.put("cpu", Quantity.ofMillis(cpuLim));
        if (memReq != 0) req.put("memory", Quantity.parse(Long.toString(memReq)));
        if (memLim != 0) lim.put("memory", Quantity.parse(Long.toString(memLim)));
        return new ResourceRequirements(req, lim);
    }

    private static Pod pod(List<Container> inits, List<Container> apps) {
        return new Pod("default", "test-pod", PodUid.of("12345"), 1, 0, Map.of(), inits, apps);
    }

    private static final Pod SIMPLE = pod(List.of(), List.of(Container.of("c0", "", r(100, 100, 100, 100))));
    private static final Pod SEVERAL = pod(
            List.of(new Container("c0", "", List.of(), r(100, 200, 0, 0), Map.of(), "Always")),
            List.of(Container.of("c1", "", r(0, 0, 100, 200)), Container.of("c2", "", r(200, 0, 100, 0))));

    @Test
    void completedShowsTheAllocatedResourcesAndGeneration() {
        assertThat(ResizeEventMessages.completed(SIMPLE, 1)).isEqualTo(
                "Pod resize completed: {\"containers\":[{\"name\":\"c0\",\"resources\":{\"limits\":{\"cpu\":\"100m\",\"memory\":\"100\"},"
                        + "\"requests\":{\"cpu\":\"100m\",\"memory\":\"100\"}}}],\"generation\":1}");
        assertThat(ResizeEventMessages.completed(SEVERAL, 2)).isEqualTo(
                "Pod resize completed: {\"initContainers\":[{\"name\":\"c0\",\"resources\":{\"limits\":{\"cpu\":\"200m\"},"
                        + "\"requests\":{\"cpu\":\"100m\"}}}],\"containers\":[{\"name\":\"c1\",\"resources\":{\"limits\":{\"memory\":\"200\"},"
                        + "\"requests\":{\"memory\":\"100\"}}},{\"name\":\"c2\",\"resources\":{\"requests\":{\"cpu\":\"200m\",\"memory\":\"100\"}}}],"
                        + "\"generation\":2}");
        assertThat(ResizeEventMessages.completed(pod(List.of(), List.of(Container.of("c0", "", r(0, 0, 0, 0)))), 3))
                .isEqualTo("Pod resize completed: {\"containers\":[{\"name\":\"c0\",\"resources\":{}}],\"generation\":3}");
    }

    @Test
    void startedAndErrorUseTheSameSummaryAndErrorAddsTheText() {
        assertThat(ResizeEventMessages.started(SIMPLE, 1)).isEqualTo(
                "Pod resize started: {\"containers\":[{\"name\":\"c0\",\"resources\":{\"limits\":{\"cpu\":\"100m\",\"memory\":\"100\"},"
                        + "\"requests\":{\"cpu\":\"100m\",\"memory\":\"100\"}}}],\"generation\":1}");
        assertThat(ResizeEventMessages.error(SIMPLE, 1, "some error occurred")).isEqualTo(
                "Pod resize error: {\"containers\":[{\"name\":\"c0\",\"resources\":{\"limits\":{\"cpu\":\"100m\",\"memory\":\"100\"},"
                        + "\"requests\":{\"cpu\":\"100m\",\"memory\":\"100\"}}}],\"generation\":1,\"error\":\"some error occurred\"}");
    }

    @Test
    void pendingNamesTheReasonAndCarriesTheAdmissionMessage() {
        assertThat(ResizeEventMessages.pending(SIMPLE, "Deferred", "Node didn't have enough resource: memory", 1)).isEqualTo(
                "Pod resize Deferred: {\"containers\":[{\"name\":\"c0\",\"resources\":{\"limits\":{\"cpu\":\"100m\",\"memory\":\"100\"},"
                        + "\"requests\":{\"cpu\":\"100m\",\"memory\":\"100\"}}}],\"generation\":1,"
                        + "\"error\":\"Node didn't have enough resource: memory\"}");
        assertThat(ResizeEventMessages.pending(SEVERAL, "Infeasible", "In-place resize of containers with swap is not supported", 2))
                .isEqualTo("Pod resize Infeasible: {\"initContainers\":[{\"name\":\"c0\",\"resources\":{\"limits\":{\"cpu\":\"200m\"},"
                        + "\"requests\":{\"cpu\":\"100m\"}}}],\"containers\":[{\"name\":\"c1\",\"resources\":{\"limits\":{\"memory\":\"200\"},"
                        + "\"requests\":{\"memory\":\"100\"}}},{\"name\":\"c2\",\"resources\":{\"requests\":{\"cpu\":\"200m\",\"memory\":\"100\"}}}],"
                        + "\"generation\":2,\"error\":\"In-place resize of containers with swap is not supported\"}");
    }

    @Test
    void errorTextIsEscapedAsGoEscapesIt() {
        assertThat(ResizeEventMessages.error(SIMPLE, 4, "limit \"a\" < usage & more\n"))
                .endsWith("\"generation\":4,\"error\":\"limit \\\"a\\\" \\u003c usage \\u0026 more\\n\"}");
        assertThat(ResizeEventMessages.restartRequired("app")).isEqualTo("Container app resize requires restart");
    }
}
