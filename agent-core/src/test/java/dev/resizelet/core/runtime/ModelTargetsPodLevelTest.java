package dev.resizelet.core.runtime;

import static dev.resizelet.core.testing.Pods.container;
import static dev.resizelet.core.testing.Pods.pod;
import static dev.resizelet.core.testing.Pods.res;
import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the engine is given for a pod with pod-level resources. */
class ModelTargetsPodLevelTest {
    private static final long MI = 1024 * 1024;

    /** An init container, "a" without limits and "b" with its own, and pod-level cpu=500m/1, memory=128Mi/256Mi. */
    private static Pod withPodLevel(String uid) {
        Container init = new Container("init", "busybox", List.of("true"), res("", ""), Map.of(), null);
        return new Pod("default", "p", PodUid.of(uid), 1, 0, Map.of(), List.of(init),
                List.of(container("a", "cpu=100m", ""), container("b", "cpu=100m", "cpu=200m,memory=64Mi")))
                .withPodResources(res("cpu=500m,memory=128Mi", "cpu=1,memory=256Mi"));
    }

    @Test
    void podLevelValuesGoUnderTheirKeyAndContainersWithoutLimitsInheritThem() {
        Pod p = withPodLevel("u1");

        PodTarget t = ModelTargets.target(p, p.resources());

        assertThat(t.allocated().get(PodTarget.POD_LEVEL)).isEqualTo(new ResourceValues(500, 1000, 128 * MI, 256 * MI));
        assertThat(t.allocated().get("a")).isEqualTo(new ResourceValues(100, 1000, 0, 256 * MI));
        assertThat(t.allocated().get("b")).isEqualTo(new ResourceValues(100, 200, 0, 64 * MI));
        assertThat(t.spec().initResources().get("init")).isEqualTo(new ResourceValues(0, 1000, 0, 256 * MI));
    }

    @Test
    void theSpecForAdoptionIsTheTargetsSpecOfThePodsOwnResourcesAndIgnoresAnAllocationThatDiffers() {
        Pod p = withPodLevel("u3");
        Pod grown = p.withPodResources(res("cpu=500m,memory=128Mi", "cpu=2,memory=512Mi"));

        PodSpec spec = ModelTargets.spec(p);

        assertThat(spec).isEqualTo(ModelTargets.target(p, p.resources()).spec());
        assertThat(spec.initResources().get("init")).isEqualTo(new ResourceValues(0, 1000, 0, 256 * MI));
        assertThat(ModelTargets.target(p, grown.resources()).spec()).as("a target's init values inherit the allocation")
                .isNotEqualTo(spec);
        Pod plain = pod("u4", container("a", "cpu=100m", ""));
        assertThat(ModelTargets.spec(plain)).isEqualTo(ModelTargets.target(plain, plain.resources()).spec());
    }

    @Test
    void withoutPodLevelResourcesNothingChanges() {
        Pod p = pod("u2", container("a", "cpu=100m", ""));

        PodTarget t = ModelTargets.target(p, p.resources());

        assertThat(t.allocated()).containsOnlyKeys("a");
        assertThat(t.allocated().get("a")).isEqualTo(new ResourceValues(100, 0, 0, 0));
    }
}
