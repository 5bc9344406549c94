package dev.resizelet.core.validation;

import static dev.resizelet.core.testing.Pods.container;
import static dev.resizelet.core.testing.Pods.pod;
import static dev.resizelet.core.testing.Pods.res;
import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.ResizeRestartPolicy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodValidatorTest {

    private static final Pod TWO = pod("u1",
            container("c1", "cpu=100m,memory=100Mi", "cpu=200m,memory=200Mi"),
            container("c2", "cpu=100m", ""));

    private static List<String> resize(Pod old, Pod updated) {
        return PodValidator.validateResize(old, updated, ResizeSource.RESIZE_SUBRESOURCE).stream()
                .map(FieldError::toString).toList();
    }

    private static Pod withContainers(Pod p, Container... cs) {
        return new Pod(p.namespace(), p.name(), p.uid(), p.generation() + 1, p.priority(), p.annotations(),
                p.initContainers(), List.of(cs));
    }

    @Test
    void aValidResizeHasNoErrors() {
        Pod updated = withContainers(TWO,
                container("c1", "cpu=150m,memory=150Mi", "cpu=300m,memory=150Mi"),
                container("c2", "cpu=50m", ""));

        assertThat(resize(TWO, updated)).isEmpty();
    }

    @Test
    void onlyCpuAndMemoryAreMutable() {
        Pod updated = withContainers(TWO,
                container("c1", "cpu=100m,memory=100Mi,ephemeral-storage=1Gi", "cpu=200m,memory=200Mi"),
                TWO.containers().get(1));

        assertThat(resize(TWO, updated)).containsExactly("spec: Forbidden: only cpu and memory resources are mutable");
    }

    /**
     * What the apiserver's munged copy compares (every resource but cpu and memory, by value), case by case: the
     * rules compare without making the copy.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0} -> {1}: {2}")
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "cpu=100m,ephemeral-storage=1Gi | cpu=300m,ephemeral-storage=1024Mi | ",
        "cpu=100m,ephemeral-storage=1Gi | cpu=100m,ephemeral-storage=2Gi   | spec: Forbidden: only cpu and memory resources are mutable",
        "cpu=100m,ephemeral-storage=1Gi | cpu=100m                         | spec.containers[0].resources.requests: Forbidden: resource requests cannot be removed; spec: Forbidden: only cpu and memory resources are mutable",
        "cpu=100m                       | cpu=100m,memory=64Mi             | ",
        "cpu=100m,memory=64Mi           | cpu=200m                         | spec.containers[0].resources.requests: Forbidden: resource requests cannot be removed",
        "cpu=100m,ephemeral-storage=1Gi | memory=64Mi,ephemeral-storage=1Gi | spec.containers[0].resources.requests: Forbidden: resource requests cannot be removed",
        "ephemeral-storage=1Gi          | hugepages-2Mi=2Mi                | spec.containers[0].resources.requests: Forbidden: resource requests cannot be removed; spec: Forbidden: only cpu and memory resources are mutable",
    })
    void onlyCpuAndMemoryRequestsMayChange(String before, String after, String errors) {
        Pod old = pod("u1", container("c1", before, ""));
        Pod updated = withContainers(old, container("c1", after, ""));

        assertThat(resize(old, updated)).containsExactlyElementsOf(
                errors == null ? List.of() : List.of(errors.split("; ")));
    }

    @Test
    void theSubresourceForbidsImageChanges() {
        Container c2 = new Container("c2", "nginx:2", List.of(), res("cpu=100m", ""), Map.of(), null);
        Pod updated = withContainers(TWO, TWO.containers().get(0), c2);

        assertThat(resize(TWO, updated)).containsExactly("spec: Forbidden: only cpu and memory resources are mutable");
        assertThat(PodValidator.validateResize(TWO, updated, ResizeSource.POD_UPDATE)).isEmpty();
    }

    @Test
    void theSubresourceAllowsResizePolicyChanges() {
        Container c2 = new Container("c2", TWO.containers().get(1).image(), List.of(), res("cpu=100m", ""),
                Map.of("cpu", ResizeRestartPolicy.RESTART_CONTAINER), null);

        assertThat(resize(TWO, withContainers(TWO, TWO.containers().get(0), c2))).isEmpty();
    }

    @Test
    void podUpdatesMayNotChangeCommands() {
        Container c2 = new Container("c2", TWO.containers().get(1).image(), List.of("sleep"), res("cpu=100m", ""),
                Map.of(), null);

        List<FieldError> errs = PodValidator.validateResize(TWO, withContainers(TWO, TWO.containers().get(0), c2),
                ResizeSource.POD_UPDATE);

        assertThat(errs).extracting(FieldError::toString).containsExactly("spec: Forbidden: pod updates may not"
                + " change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
                + "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
                + "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)");
    }

    @Test
    void qosMayNotChange() {
        Pod guaranteed = pod("g", container("c", "cpu=1,memory=1Gi", "cpu=1,memory=1Gi"));
        Pod burstable = withContainers(guaranteed, container("c", "cpu=500m,memory=1Gi", "cpu=1,memory=1Gi"));

        assertThat(resize(guaranteed, burstable)).containsExactly(
                "spec: Invalid value: \"Guaranteed\": Pod QOS Class may not change as a result of resizing");
    }

    @Test
    void requestsAndLimitsMayNotBeRemoved() {
        Pod updated = withContainers(TWO,
                container("c1", "cpu=100m", "cpu=200m"),
                TWO.containers().get(1));

        assertThat(resize(TWO, updated)).containsExactly(
                "spec.containers[0].resources.requests: Forbidden: resource requests cannot be removed",
                "spec.containers[0].resources.limits: Forbidden: resource limits cannot be removed");
    }

    @Test
    void containersMayNotBeRenamedOrReordered() {
        Pod reordered = withContainers(TWO, TWO.containers().get(1), TWO.containers().get(0));

        assertThat(resize(TWO, reordered)).containsExactly(
                "spec.containers[0].name: Forbidden: containers may not be renamed or reordered on resize",
                "spec.containers[1].name: Forbidden: containers may not be renamed or reordered on resize");
    }

    @Test
    void containersMayNotBeAddedOrRemoved() {
        assertThat(resize(TWO, withContainers(TWO, TWO.containers().get(0)))).containsExactly(
                "spec.containers: Forbidden: containers may not be added or removed on resize");
    }

    @Test
    void requestsMustNotExceedLimits() {
        Pod updated = withContainers(TWO,
                container("c1", "cpu=300m,memory=100Mi", "cpu=200m,memory=200Mi"),
                TWO.containers().get(1));

        assertThat(resize(TWO, updated)).containsExactly(
                "spec.containers[0].resources.requests: Invalid value: \"300m\": must be less than or equal to cpu"
                        + " limit of 200m");
    }

    @Test
    void staticPodsCannotBeResized() {
        Pod mirror = new Pod("kube-system", "etcd", PodUid.of("m"), 1, 0, Map.of(Pod.MIRROR_ANNOTATION, "x"),
                List.of(), List.of(container("c", "cpu=1", "")));

        assertThat(resize(mirror, withContainers(mirror, container("c", "cpu=2", ""))))
                .containsExactly(": Forbidden: static pods cannot be resized");
    }

    @Test
    void sidecarResourceRulesUseInitContainerPaths() {
        Container side = new Container("side", "img", List.of(), res("cpu=100m,memory=10Mi", ""), Map.of(), "Always");
        Container grown = new Container("side", "img", List.of(), res("cpu=100m,memory=10Mi,ephemeral-storage=1Gi", ""),
                Map.of(), "Always");
        Container app = container("app", "cpu=1", "");
        Pod old = new Pod("default", "p", PodUid.of("s"), 1, 0, Map.of(), List.of(side), List.of(app));
        Pod updated = new Pod("default", "p", PodUid.of("s"), 2, 0, Map.of(), List.of(grown), List.of(app));

        assertThat(resize(old, updated)).containsExactly("spec.initContainers[0]: Forbidden: only cpu and memory"
                + " resources for init or sidecar containers are mutable");
    }

    @Test
    void initContainersThatRunToCompletionAreNotResizable() {
        Container init = new Container("init", "img", List.of("true"), res("cpu=10m,memory=1Mi", ""), Map.of(), null);
        Container side = new Container("side", "img", List.of(), res("cpu=100m", ""), Map.of(), "Always");
        Container app = container("app", "cpu=1", "");
        Pod old = new Pod("default", "p", PodUid.of("s"), 1, 0, Map.of(), List.of(init, side), List.of(app));
        Pod initGrown = new Pod("default", "p", PodUid.of("s"), 2, 0, Map.of(),
                List.of(init.withResources(res("cpu=20m,memory=1Mi", "")), side), List.of(app));
        Pod sidecarGrown = new Pod("default", "p", PodUid.of("s"), 2, 0, Map.of(),
                List.of(init, side.withResources(res("cpu=200m", ""))), List.of(app));

        // upstream e2e "Burstable pod - nonrestartable initContainer" (test/e2e/common/node/pod_resize.go)
        assertThat(resize(old, initGrown)).containsExactly("spec.initContainers[0].resources: Forbidden: resources for"
                + " non-sidecar init containers are immutable");
        assertThat(resize(old, sidecarGrown)).isEmpty();
    }

    @Test
    void podRestartPolicyIsOneOfThree() {
        Pod bad = pod("u1", container("c", "cpu=1", "")).withRestartPolicy("Sometimes");

        assertThat(PodValidator.validateNew(bad).stream().map(FieldError::toString))
                .containsExactly("spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\","
                        + " \"OnFailure\", \"Never\"");
    }

    @Test
    void newPodNamesFollowRfc1123() {
        Pod bad = new Pod("Bad_NS", "Web_1", PodUid.of("u"), 1, 0, Map.of(), List.of(),
                List.of(container("App", "cpu=-1", ""), container("x", "", "")));

        assertThat(PodValidator.validateNew(bad)).extracting(FieldError::toString).containsExactly(
                "metadata.name: Invalid value: \"Web_1\": " + NameRules.SUBDOMAIN_MSG,
                "metadata.namespace: Invalid value: \"Bad_NS\": " + NameRules.LABEL_MSG,
                "spec.containers[0].name: Invalid value: \"App\": " + NameRules.LABEL_MSG,
                "spec.containers[0].resources.requests[cpu]: Invalid value: \"-1\": must be greater than or equal to 0");
    }

    @Test
    void longNamesAndDuplicatesAreReported() {
        String longName = "a".repeat(254);
        Pod bad = new Pod("default", longName, PodUid.of("u"), 1, 0, Map.of(), List.of(),
                List.of(container("x", "", ""), container("x", "", "")));

        assertThat(PodValidator.validateNew(bad)).extracting(FieldError::toString).containsExactly(
                "metadata.name: Invalid value: \"" + longName + "\": must be no more than 253 characters",
                "spec.containers[1].name: Duplicate value: \"x\"");
    }

    @Test
    void statusMessageAndCausesLookLikeTheApiserver() {
        FieldError e = FieldError.forbidden(FieldPath.root("spec"), "only cpu and memory resources are mutable");

        assertThat(FieldError.statusMessage("Pod", "web", List.of(e)))
                .isEqualTo("Pod \"web\" is invalid: spec: Forbidden: only cpu and memory resources are mutable");
        assertThat(e.type().causeReason()).isEqualTo("FieldValueForbidden");
        assertThat(e.body()).isEqualTo("Forbidden: only cpu and memory resources are mutable");
    }
}
