package dev.resizelet.core.enact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.cgroups.QosTier;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.enact.EnactStep.CheckContainerMemoryUsage;
import dev.resizelet.core.enact.EnactStep.CheckPodMemoryUsage;
import dev.resizelet.core.enact.EnactStep.SetPodCgroup;
import dev.resizelet.core.enact.EnactStep.UpdateContainer;
import dev.resizelet.core.enact.EnactStep.UpdatePodSandbox;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one safe-order planner with pod-level values (KEP-5419: raise the pod cgroup, lower containers, lower the pod
 * cgroup, raise containers) and the pod cgroup values of ResourceConfigForPod with pod-level resources.
 */
class PodLevelPlannerTest {
    private static final long MI = 1024 * 1024;

    private static PodEnactment pod(QosTier tier, ResourceValues podFrom, ResourceValues podTo, ContainerEnactment... cs) {
        List<ContainerEnactment> list = List.of(cs);
        CgroupResources current = PodCgroupConfig.forPod(tier, list.stream().map(ContainerEnactment::actuated).toList(),
                podFrom);
        return new PodEnactment(PodUid.of("u1"), tier, CgroupName.of("kubepods", "podu1"), "sb1", current, list, podTo);
    }

    private static ContainerEnactment c(String name, ResourceValues from, ResourceValues to) {
        return new ContainerEnactment(name, "id-" + name, from, to, ResizePolicy.NOT_REQUIRED, ResizePolicy.NOT_REQUIRED);
    }

    @Test
    void podLevelValuesReplaceTheContainersSumsInThePodCgroup() {
        ResourceValues a = new ResourceValues(100, 0, 0, 0);
        ResourceValues b = new ResourceValues(200, 0, 0, 0);

        CgroupResources fromContainers = PodCgroupConfig.forPod(QosTier.BURSTABLE, List.of(a, b));
        CgroupResources withPodLevel = PodCgroupConfig.forPod(QosTier.BURSTABLE, List.of(a, b),
                new ResourceValues(1000, 2000, 0, 512 * MI));

        assertThat(fromContainers).isEqualTo(new CgroupResources(307L, -1L, 100_000L, -1L));
        assertThat(withPodLevel).isEqualTo(new CgroupResources(1024L, 200_000L, 100_000L, 512 * MI));
    }

    @Test
    void aPodLevelOnlyGrowRaisesThePodCgroupAndTellsTheRuntimeWithoutTouchingContainers() {
        ResourceValues app = new ResourceValues(100, 100, 64 * MI, 64 * MI);
        PodEnactment p = pod(QosTier.GUARANTEED, new ResourceValues(500, 500, 256 * MI, 256 * MI),
                new ResourceValues(1000, 1000, 512 * MI, 512 * MI), c("a", app, app));

        assertThat(EnactmentPlanner.plan(p)).containsExactly(
                new SetPodCgroup(Resource.MEMORY, new CgroupResources(null, null, null, 512 * MI)),
                new SetPodCgroup(Resource.CPU, new CgroupResources(null, 100_000L, 100_000L, null)),
                new SetPodCgroup(Resource.CPU, new CgroupResources(1024L, null, null, null)),
                new UpdatePodSandbox(new CgroupResources(1024L, 100_000L, 100_000L, 512 * MI)));
    }

    @Test
    void aPodLevelShrinkLowersAnInheritingContainerFirstThenThePodAfterTheGuards() {
        // the container has no memory limit of its own: it runs with the pod-level one (256Mi -> 128Mi)
        ResourceValues before = new ResourceValues(100, 500, 0, 256 * MI);
        ResourceValues after = new ResourceValues(100, 500, 0, 128 * MI);
        PodEnactment p = pod(QosTier.BURSTABLE, new ResourceValues(500, 500, 0, 256 * MI),
                new ResourceValues(500, 500, 0, 128 * MI), c("a", before, after));

        assertThat(EnactmentPlanner.plan(p)).containsExactly(
                new CheckPodMemoryUsage(128 * MI),
                new CheckContainerMemoryUsage("a", 128 * MI),
                new UpdateContainer("a", after),
                new SetPodCgroup(Resource.MEMORY, new CgroupResources(null, null, null, 128 * MI)),
                new UpdatePodSandbox(new CgroupResources(512L, 50_000L, 100_000L, 128 * MI)));
    }

    @Test
    void podCpuUpWithAContainerCpuDownLowersTheContainerBeforeNothingElseAndRaisesThePodFirst() {
        ResourceValues from = new ResourceValues(400, 400, 0, 0);
        ResourceValues to = new ResourceValues(200, 200, 0, 0);
        PodEnactment p = pod(QosTier.BURSTABLE, new ResourceValues(500, 500, 0, 0),
                new ResourceValues(800, 800, 0, 0), c("a", from, to));

        assertThat(EnactmentPlanner.plan(p)).containsExactly(
                new SetPodCgroup(Resource.CPU, new CgroupResources(null, 80_000L, 100_000L, null)),
                new SetPodCgroup(Resource.CPU, new CgroupResources(819L, null, null, null)),
                new UpdateContainer("a", to),
                new UpdatePodSandbox(new CgroupResources(819L, 80_000L, 100_000L, -1L)));
    }

    @Test
    void unchangedPodLevelValuesPlanNothing() {
        ResourceValues app = new ResourceValues(100, 100, 64 * MI, 64 * MI);
        ResourceValues podLevel = new ResourceValues(500, 500, 256 * MI, 256 * MI);

        assertThat(EnactmentPlanner.plan(pod(QosTier.GUARANTEED, podLevel, podLevel, c("a", app, app)))).isEmpty();
    }
}
