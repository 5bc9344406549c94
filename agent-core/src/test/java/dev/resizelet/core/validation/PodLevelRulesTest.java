package dev.resizelet.core.validation;

import static dev.resizelet.core.testing.Pods.container;
import static dev.resizelet.core.testing.Pods.pod;
import static dev.resizelet.core.testing.Pods.res;
import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The apiserver's words for {@code spec.resources} at create and on resize (KEP-2837, KEP-5419). */
class PodLevelRulesTest {

    private static Pod withPodLevel(Pod p, String requests, String limits) {
        return p.withPodResources(res(requests, limits));
    }

    private static List<String> create(Pod pod) {
        return PodValidator.validateNew(pod).stream().map(FieldError::toString).toList();
    }

    private static List<String> resize(Pod old, Pod updated) {
        return PodValidator.validateResize(old, updated, ResizeSource.RESIZE_SUBRESOURCE).stream()
                .map(FieldError::toString).toList();
    }

    private static final Pod TWO = pod("u1",
            container("c1", "cpu=500m,memory=1Gi", "cpu=1,memory=1Gi"),
            container("c2", "cpu=1,memory=5Gi", ""));

    @Test
    void aPodLevelRequestBelowTheContainersAggregateIsInvalid() {
        Pod p = withPodLevel(TWO, "cpu=1,memory=576Mi", "");

        assertThat(create(p)).containsExactly(
                "spec.resources.requests[cpu]: Invalid value: \"1\": must be greater than or equal to aggregate"
                        + " container requests of 1500m",
                "spec.resources.requests[memory]: Invalid value: \"576Mi\": must be greater than or equal to aggregate"
                        + " container requests of 6Gi");
    }

    @Test
    void theAggregateUsesTheKubeletFormulaWithInitContainersAndSidecars() {
        // init container 2 cpu beside no sidecar yet; then sidecar 500m + app 500m: peak 2, sum 1
        Container init = new Container("init", "busybox", List.of(), res("cpu=2", ""), java.util.Map.of(), null);
        Container sidecar = new Container("log", "busybox", List.of(), res("cpu=500m", ""), java.util.Map.of(), "Always");
        Pod p = new Pod("default", "web", dev.resizelet.core.model.PodUid.of("u2"), 1, 0, java.util.Map.of(),
                List.of(init, sidecar), List.of(container("app", "cpu=500m", "")))
                .withPodResources(res("cpu=1500m", ""));

        assertThat(create(p)).containsExactly("spec.resources.requests[cpu]: Invalid value: \"1500m\": must be greater"
                + " than or equal to aggregate container requests of 2");
        assertThat(create(p.withPodResources(res("cpu=2", "")))).isEmpty();
    }

    @Test
    void aContainerLimitAboveThePodLimitIsInvalidOnThePathUpstreamBuilds() {
        Pod p = withPodLevel(pod("u7", container("c1", "cpu=100m,memory=1Gi", "cpu=1,memory=1Gi")),
                "cpu=500m,memory=1Gi", "cpu=800m,memory=8Gi");

        assertThat(create(p)).containsExactly("spec.resources.containers[0][cpu].limits: Invalid value: \"1\": must be"
                + " less than or equal to pod limits of 800m");
    }

    @Test
    void podLevelRequestsMayNotExceedPodLevelLimits() {
        Pod p = withPodLevel(pod("u3", container("c1", "", "")), "cpu=2", "cpu=1");

        assertThat(create(p)).containsExactly(
                "spec.resources.requests: Invalid value: \"2\": must be less than or equal to cpu limit of 1");
    }

    @ParameterizedTest
    @CsvSource({"ephemeral-storage", "hugepages-2Mi", "example.com/dongle"})
    void onlyCpuAndMemoryMayBeSetAtPodLevel(String resource) {
        Pod p = withPodLevel(pod("u4", container("c1", "", "")), resource + "=1Gi", "");

        assertThat(create(p)).containsExactly("spec.resources.requests[" + resource + "]: Unsupported value: \""
                + resource + "\": supported values: \"cpu\", \"memory\"");
    }

    @Test
    void aResizeMayChangeAndAddPodLevelValuesButNotRemoveThem() {
        Pod old = withPodLevel(TWO, "cpu=2,memory=6Gi", "cpu=4");

        assertThat(resize(old, withPodLevel(old, "cpu=3,memory=7Gi", "cpu=5,memory=8Gi").withGeneration(2))).isEmpty();
        assertThat(resize(old, withPodLevel(old, "cpu=3", "").withGeneration(2))).containsExactly(
                "spec.resources.requests: Forbidden: resource requests cannot be removed",
                "spec.resources.limits: Forbidden: resource limits cannot be removed");
    }

    @Test
    void addingPodLevelResourcesToARunningPodIsAResize() {
        Pod old = pod("u5", container("c1", "cpu=2m", "cpu=10m"));

        assertThat(resize(old, withPodLevel(old, "cpu=5m", "cpu=25m"))).isEmpty();
    }

    @Test
    void aPodLevelResizeMayNotChangeTheQosClass() {
        Pod guaranteed = withPodLevel(pod("u6", container("c1", "", "")), "cpu=1,memory=1Gi", "cpu=1,memory=1Gi");
        Pod burstable = withPodLevel(guaranteed, "cpu=1,memory=1Gi", "cpu=2,memory=1Gi");

        assertThat(resize(guaranteed, burstable))
                .containsExactly("spec: Invalid value: \"Guaranteed\": Pod QOS Class may not change as a result of resizing");
    }

    @Test
    void aResizeBelowTheContainersAggregateIsRefusedWithTheCreateMessage() {
        Pod old = withPodLevel(TWO, "cpu=2,memory=6Gi", "");

        assertThat(resize(old, withPodLevel(old, "cpu=1,memory=6Gi", ""))).containsExactly(
                "spec.resources.requests[cpu]: Invalid value: \"1\": must be greater than or equal to aggregate"
                        + " container requests of 1500m");
    }
}
