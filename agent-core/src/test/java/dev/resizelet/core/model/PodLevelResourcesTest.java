package dev.resizelet.core.model;

import static dev.resizelet.core.testing.Pods.container;
import static dev.resizelet.core.testing.Pods.pod;
import static dev.resizelet.core.testing.Pods.res;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Pod-level resources in the kubelet's PodRequests, ComputePodQOS and the apiserver's defaulting. */
class PodLevelResourcesTest {
    private static final long MI = 1024 * 1024;

    @Test
    void aPodLevelRequestReplacesTheContainersAggregatePerResource() {
        Pod p = pod("u1", container("a", "cpu=100m,memory=100Mi", ""), container("b", "cpu=200m,memory=50Mi", ""))
                .withPodResources(res("cpu=1", ""));

        assertThat(p.requests()).isEqualTo(new ResourceVector(1000, 150 * MI));
    }

    @Test
    void withoutPodLevelResourcesTheFormulaIsTheContainersOne() {
        Pod p = pod("u2", container("a", "cpu=100m", ""), container("b", "cpu=200m", ""));

        assertThat(p.hasPodLevelResources()).isFalse();
        assertThat(p.requests().cpuMillis()).isEqualTo(300);
    }

    @ParameterizedTest(name = "pod-level requests [{0}] limits [{1}] -> {2}")
    @CsvSource(delimiter = '|', value = {
            "cpu=1,memory=1Gi | cpu=1,memory=1Gi | GUARANTEED",
            "cpu=1,memory=1Gi | cpu=2,memory=1Gi | BURSTABLE",
            "cpu=1,memory=1Gi | cpu=1            | BURSTABLE",
            "cpu=1            |                  | BURSTABLE",
            "                 | memory=1Gi       | BURSTABLE"})
    void theQosClassComesFromPodLevelResourcesWhenSet(String requests, String limits, QosClass expected) {
        // the container alone would be BestEffort
        Pod p = pod("u3", container("a", "", "")).withPodResources(res(requests, limits));

        assertThat(p.qosClass()).isEqualTo(expected);
    }

    @Test
    void podLevelLimitsDefaultPodLevelRequestsFromTheContainersThenFromTheLimits() {
        Pod p = pod("u4", container("a", "cpu=100m", ""), container("b", "cpu=300m", ""));

        ResourceRequirements defaulted = PodLevelDefaults.requests(p, res("", "cpu=1,memory=1Gi"));

        assertThat(defaulted.requests()).isEqualTo(Map.of("cpu", Quantity.parse("400m"),
                "memory", Quantity.parse("1Gi")));
        assertThat(defaulted.limits()).isEqualTo(res("", "cpu=1,memory=1Gi").limits());
        assertThat(p.withPodResources(defaulted).qosClass()).isEqualTo(QosClass.BURSTABLE);
    }

    @Test
    void onlyPodLevelLimitsMakeAGuaranteedPod() {
        Pod p = pod("u5", container("a", "", ""));

        Pod defaulted = p.withPodResources(PodLevelDefaults.requests(p, res("", "cpu=1,memory=1Gi")));

        assertThat(defaulted.qosClass()).isEqualTo(QosClass.GUARANTEED);
        assertThat(PodLevelDefaults.requests(p, res("cpu=1", ""))).isEqualTo(res("cpu=1", ""));
    }

    @Test
    void resourcesCarryThePodLevelValuesAndSameResourcesComparesThem() {
        Pod p = pod("u6", container("a", "cpu=100m", "")).withPodResources(res("cpu=1", "cpu=2"));
        Pod resized = p.withPodResources(res("cpu=1", "cpu=3"));

        assertThat(p.resources().pod()).isEqualTo(res("cpu=1", "cpu=2"));
        assertThat(p.sameResources(resized)).isFalse();
        assertThat(p.resources().sameResources(resized.resources())).isFalse();
        assertThat(pod("u6", container("a", "", "")).withResources(resized.resources()).podResources())
                .isEqualTo(res("cpu=1", "cpu=3"));
        assertThat(List.of(p.withGeneration(2).podResources())).containsExactly(res("cpu=1", "cpu=2"));
    }
}
