package dev.resizelet.core.model;

import static dev.resizelet.core.testing.Pods.container;
import static dev.resizelet.core.testing.Pods.res;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code sameResources(Pod)} answers what {@code sameResources(pod.resources())} does, without building the map. */
class PodResourcesTest {
    private static final PodUid UID = PodUid.of("p1");

    private static Pod pod(List<Container> inits, List<Container> apps, ResourceRequirements podLevel) {
        return new Pod("default", "p", UID, 1, 0, Map.of(), inits, apps, Map.of(), null, null, podLevel);
    }

    private static Container sidecar(String name, String requests) {
        return new Container(name, "img", List.of(), res(requests, ""), Map.of(), "Always");
    }

    private static Container init(String name, String requests) {
        return new Container(name, "img", List.of(), res(requests, ""), Map.of(), null);
    }

    private final Pod base = pod(List.of(init("i", "cpu=1"), sidecar("s", "cpu=100m")),
            List.of(container("a", "cpu=200m", "cpu=1"), container("b", "memory=1Gi", "")), null);

    @Test
    void agreesWithTheMapItWouldBuild() {
        List<Pod> others = List.of(
                base,
                base.withResources(new PodResources(UID, 1, Map.of("a", res("cpu=300m", "cpu=1"), "b",
                        res("memory=1Gi", ""), "s", res("cpu=100m", "")))),
                base.withResources(new PodResources(UID, 1, Map.of("a", res("cpu=200m", "cpu=1"), "b",
                        res("memory=1Gi", ""), "s", res("cpu=150m", "")))),
                pod(List.of(init("i", "cpu=2"), sidecar("s", "cpu=100m")), base.containers(), null),
                pod(List.of(), base.containers(), null),
                pod(base.initContainers(), List.of(base.containers().get(0)), null),
                pod(base.initContainers(), base.containers(), res("cpu=1", "")),
                pod(List.of(sidecar("a", "cpu=100m")), base.containers(), null));
        PodResources r = base.resources();

        for (Pod other : others) {
            assertThat(r.sameResources(other)).as(other.toString()).isEqualTo(r.sameResources(other.resources()));
        }
        assertThat(r.sameResources(base)).isTrue();
        assertThat(r.sameResources(others.get(1))).isFalse();
        assertThat(r.sameResources(others.get(3))).as("a plain init container is not resizable").isTrue();
    }

    @Test
    void aRepeatedNameIsJudgedAsTheBuiltMapWouldBe() {
        Pod repeated = pod(List.of(), List.of(container("a", "cpu=1", ""), container("a", "cpu=2", "")), null);
        PodResources twoNames = new PodResources(UID, 1, Map.of("a", res("cpu=2", ""), "b", res("cpu=2", "")));
        PodResources lastWins = new PodResources(UID, 1, Map.of("a", res("cpu=2", "")));

        assertThat(twoNames.sameResources(repeated)).isEqualTo(twoNames.sameResources(repeated.resources())).isFalse();
        assertThat(lastWins.sameResources(repeated)).isEqualTo(lastWins.sameResources(repeated.resources())).isTrue();
    }

    @Test
    void withTheSameResourcesAPodIsItself() {
        Pod same = base.withResources(base.resources());
        Pod grown = base.withResources(new PodResources(UID, 1, Map.of("a", res("cpu=300m", "cpu=1"))));

        assertThat(same).isSameAs(base);
        assertThat(grown.containers().get(0).resources()).isEqualTo(res("cpu=300m", "cpu=1"));
        assertThat(grown.containers().get(1)).isSameAs(base.containers().get(1));
        assertThat(grown.initContainers()).isEqualTo(base.initContainers());
    }
}
