package dev.resizelet.core.model;

import static dev.resizelet.core.testing.Pods.container;
import static dev.resizelet.core.testing.Pods.pod;
import static dev.resizelet.core.testing.Pods.res;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PodTest {

    @ParameterizedTest(name = "requests [{0}] limits [{1}] -> {2}")
    @CsvSource(delimiter = '|', value = {
        "                        |                          | BEST_EFFORT",
        "cpu=0                   |                          | BEST_EFFORT",
        "cpu=100m                |                          | BURSTABLE",
        "cpu=1,memory=1Gi        | cpu=1,memory=1Gi         | GUARANTEED",
        "cpu=1000m,memory=1024Mi | cpu=1,memory=1Gi         | GUARANTEED",
        "cpu=500m,memory=1Gi     | cpu=1,memory=1Gi         | BURSTABLE",
        "                        | cpu=1                    | BURSTABLE",
        "cpu=1                   | cpu=1                    | BURSTABLE",
        "cpu=1,memory=1Gi,ephemeral-storage=1Gi | cpu=1,memory=1Gi | GUARANTEED",
    })
    void qosOfOneContainer(String requests, String limits, QosClass expected) {
        assertThat(pod("u1", container("c", requests, limits)).qosClass()).isEqualTo(expected);
    }

    @Test
    void sidecarWithoutLimitsMakesAGuaranteedPodBurstable() {
        Container app = container("app", "cpu=1,memory=1Gi", "cpu=1,memory=1Gi");
        Container sidecar = new Container("log", "img", List.of(), res("cpu=100m", ""), Map.of(), "Always");
        Pod p = new Pod("default", "p", PodUid.of("u"), 1, 0, Map.of(), List.of(sidecar), List.of(app));

        assertThat(p.qosClass()).isEqualTo(QosClass.BURSTABLE);
        assertThat(p.resizableContainers()).extracting(Container::name).containsExactly("app", "log");
    }

    @Test
    void podRequestsCountSidecarsAndTheInitPeak() {
        Container app = container("app", "cpu=1,memory=100", "");
        Container sidecar = new Container("side", "img", List.of(), res("cpu=200m,memory=50", ""), Map.of(), "Always");
        Container bigInit = Container.of("init", "img", res("cpu=3,memory=10", ""));
        Pod p = new Pod("default", "p", PodUid.of("u"), 1, 0, Map.of(), List.of(sidecar, bigInit), List.of(app));

        // app + sidecar = 1200m/150; init runs beside the sidecar: 3200m/60 -> max per resource
        assertThat(p.requests()).isEqualTo(new ResourceVector(3200, 150));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../etc", "a/b", "", ".hidden", "a\u0000b", "x..y", "a b"})
    void unsafePodUidsAreRejected(String uid) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PodUid.of(uid));

        assertThat(e.getMessage()).startsWith("metadata.uid: Invalid value: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "..", "", "x\u0000"})
    void unsafeContainerNamesAreRejected(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> container(name, "", ""));

        assertThat(e.getMessage()).contains("a lowercase RFC 1123 label must consist of");
    }

    @Test
    void withResourcesReplacesOnlyResizableContainers() {
        Pod p = pod("u", container("a", "cpu=1", ""), container("b", "cpu=2", ""));
        PodResources alloc = new PodResources(p.uid(), 1, Map.of("a", res("cpu=3", "")));

        Pod applied = p.withResources(alloc);

        assertThat(applied.containers().get(0).resources()).isEqualTo(res("cpu=3", ""));
        assertThat(applied.containers().get(1).resources()).isEqualTo(res("cpu=2", ""));
        assertThat(applied.resources().sameResources(p.resources())).isFalse();
    }

    @Test
    void sameResourcesAgreesWithComparingTheResourceMapsWhateverTheContainerOrder() {
        Pod p = pod("u1",
                container("a", "cpu=100m,memory=64Mi", "cpu=200m"),
                container("b", "cpu=300m", ""));
        Pod reordered = new Pod(p.namespace(), p.name(), p.uid(), p.generation(), p.priority(), p.annotations(),
                p.initContainers(), List.of(p.containers().get(1), p.containers().get(0)));
        Pod changed = new Pod(p.namespace(), p.name(), p.uid(), p.generation() + 1, p.priority(), p.annotations(),
                p.initContainers(), List.of(p.containers().get(0).withResources(res("cpu=150m,memory=64Mi", "cpu=200m")),
                        p.containers().get(1)));

        assertThat(p.sameResources(reordered)).isTrue().isEqualTo(p.resources().sameResources(reordered.resources()));
        assertThat(p.sameResources(changed)).isFalse().isEqualTo(p.resources().sameResources(changed.resources()));
        assertThat(p.sameResources(p.withGeneration(7))).isTrue();
    }

    @ParameterizedTest
    @CsvSource({
        "example.com/dongle, true",
        "vendor.io/fpga-2, true",
        "cpu, false",
        "memory, false",
        "ephemeral-storage, false",
        "kubernetes.io/something, false",
        "requests.example.com/x, false",
        "example.com/a/b, false",
        "Example.com/x, false",
        "example.com/-x, false",
    })
    void extendedResourceNamesAreTheApimachineryOnes(String name, boolean extended) {
        assertThat(ResourceNames.isExtended(name)).isEqualTo(extended);
    }
}
