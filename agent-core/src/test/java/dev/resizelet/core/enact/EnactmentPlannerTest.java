package dev.resizelet.core.enact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.cgroups.QosTier;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.enact.EnactStep.CheckContainerMemoryUsage;
import dev.resizelet.core.enact.EnactStep.CheckPodMemoryUsage;
import dev.resizelet.core.enact.EnactStep.RecordActuated;
import dev.resizelet.core.enact.EnactStep.RecreateContainer;
import dev.resizelet.core.enact.EnactStep.SetPodCgroup;
import dev.resizelet.core.enact.EnactStep.StopContainer;
import dev.resizelet.core.enact.EnactStep.UpdateContainer;
import dev.resizelet.core.enact.EnactStep.UpdatePodSandbox;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnactmentPlannerTest {
    private static final long MI = 1024 * 1024;
    private static final ResizePolicy NR = ResizePolicy.NOT_REQUIRED;
    private static final ResizePolicy RC = ResizePolicy.RESTART_CONTAINER;

    private static ResourceValues g(long cpu, long memMi) {
        return new ResourceValues(cpu, cpu, memMi * MI, memMi * MI);
    }

    private static ContainerEnactment c(String name, ResourceValues from, ResourceValues to) {
        return new ContainerEnactment(name, "id-" + name, from, to, NR, NR);
    }

    private static PodEnactment pod(QosTier tier, ContainerEnactment... cs) {
        List<ContainerEnactment> list = List.of(cs);
        CgroupResources current = PodCgroupConfig.forPod(tier, list.stream().map(ContainerEnactment::actuated).toList());
        return new PodEnactment(PodUid.of("u1"), tier, CgroupName.of("kubepods", "podu1"), "sb1", current, list);
    }

    @Test
    void growGuaranteedRaisesEveryPodValueBeforeOneContainerUpdate() {
        List<EnactStep> plan = EnactmentPlanner.plan(pod(QosTier.GUARANTEED, c("a", g(500, 128), g(1000, 256))));

        assertThat(plan).containsExactly(
                new SetPodCgroup(Resource.MEMORY, new CgroupResources(null, null, null, 256 * MI)),
                new SetPodCgroup(Resource.CPU, new CgroupResources(null, 100_000L, 100_000L, null)),
                new SetPodCgroup(Resource.CPU, new CgroupResources(1024L, null, null, null)),
                new UpdateContainer("a", g(1000, 256)),
                new UpdatePodSandbox(new CgroupResources(1024L, 100_000L, 100_000L, 256 * MI)));
    }

    @Test
    void shrinkGuaranteedGuardsMemoryFirstThenUpdatesTheContainerBeforeLoweringThePod() {
        List<EnactStep> plan = EnactmentPlanner.plan(pod(QosTier.GUARANTEED, c("a", g(1000, 256), g(500, 128))));

        assertThat(plan).containsExactly(
                new CheckPodMemoryUsage(128 * MI),
                new CheckContainerMemoryUsage("a", 128 * MI),
                new UpdateContainer("a", g(500, 128)),
                new SetPodCgroup(Resource.MEMORY, new CgroupResources(null, null, null, 128 * MI)),
                new SetPodCgroup(Resource.CPU, new CgroupResources(512L, null, null, null)),
                new SetPodCgroup(Resource.CPU, new CgroupResources(null, 50_000L, 100_000L, null)),
                new UpdatePodSandbox(new CgroupResources(512L, 50_000L, 100_000L, 128 * MI)));
    }

    @Test
    void podCgroupNeverHoldsLessThanItsContainersAtAnyStep() {
        // memory up and cpu down in one container, the reverse in the other: every pod value is raised to the
        // larger sum before any container changes and lowered only after all did
        PodEnactment p = pod(QosTier.GUARANTEED, c("a", g(1000, 128), g(500, 256)), c("b", g(200, 512), g(900, 256)));
        List<EnactStep> plan = EnactmentPlanner.plan(p);

        int firstUpdate = indexOf(plan, UpdateContainer.class, true);
        int lastUpdate = indexOf(plan, UpdateContainer.class, false);
        for (int i = 0; i < plan.size(); i++) {
            if (plan.get(i) instanceof SetPodCgroup s) {
                CgroupResources v = s.values();
                boolean lowers = (v.memoryLimitBytes() != null && v.memoryLimitBytes() < p.podCurrent().memoryLimitBytes())
                        || (v.cpuShares() != null && v.cpuShares() < p.podCurrent().cpuShares())
                        || (v.cpuQuota() != null && v.cpuQuota() < p.podCurrent().cpuQuota());
                assertThat(lowers ? i > lastUpdate : i < firstUpdate).as("step %d %s", i, s).isTrue();
            }
        }
        assertThat(plan).filteredOn(UpdateContainer.class::isInstance).hasSize(2);
    }

    private static int indexOf(List<EnactStep> plan, Class<?> type, boolean first) {
        int found = -1;
        for (int i = 0; i < plan.size(); i++) {
            if (type.isInstance(plan.get(i))) {
                if (first) {
                    return i;
                }
                found = i;
            }
        }
        return found;
    }

    @Test
    void decreasesComeBeforeIncreasesAcrossContainers() {
        List<EnactStep> plan = EnactmentPlanner.plan(pod(QosTier.GUARANTEED,
                c("up", g(200, 100), g(400, 200)),
                c("down", g(400, 200), g(200, 100))));

        List<String> containerSteps = plan.stream()
                .filter(s -> s instanceof UpdateContainer)
                .map(s -> ((UpdateContainer) s).container())
                .toList();
        assertThat(containerSteps).containsExactly("down", "up");
        // pod totals do not change: no pod cgroup write, no sandbox update
        assertThat(plan).noneMatch(s -> s instanceof SetPodCgroup || s instanceof UpdatePodSandbox);
    }

    @Test
    void burstableWithoutLimitsChangesOnlyShares() {
        ResourceValues from = new ResourceValues(100, 0, 64 * MI, 0);
        ResourceValues to = new ResourceValues(300, 0, 64 * MI, 0);
        List<EnactStep> plan = EnactmentPlanner.plan(pod(QosTier.BURSTABLE, c("a", from, to)));

        assertThat(plan).containsExactly(
                new SetPodCgroup(Resource.CPU, new CgroupResources(307L, null, null, null)),
                new UpdateContainer("a", to),
                new UpdatePodSandbox(new CgroupResources(307L, -1L, 100_000L, -1L)));
    }

    @Test
    void memoryRequestOnlyChangeIsRecordedWithoutRuntimeCall() {
        ResourceValues from = new ResourceValues(100, 0, 64 * MI, 0);
        ResourceValues to = new ResourceValues(100, 0, 96 * MI, 0);
        assertThat(EnactmentPlanner.plan(pod(QosTier.BURSTABLE, c("a", from, to))))
                .containsExactly(new RecordActuated("a", to));
    }

    @Test
    void restartPolicyOnChangedResourceStopsFirstAndRecreatesLast() {
        ContainerEnactment restarted = new ContainerEnactment("r", "id-r", g(500, 128), g(500, 256), NR, RC);
        ContainerEnactment inPlace = new ContainerEnactment("i", "id-i", g(500, 128), g(500, 256), RC, NR);
        List<EnactStep> plan = EnactmentPlanner.plan(pod(QosTier.GUARANTEED, restarted, inPlace));

        assertThat(plan).containsExactly(
                new StopContainer("r"),
                new SetPodCgroup(Resource.MEMORY, new CgroupResources(null, null, null, 512 * MI)),
                new UpdateContainer("i", g(500, 256)),
                new UpdatePodSandbox(new CgroupResources(1024L, 100_000L, 100_000L, 512 * MI)),
                new RecreateContainer("r", g(500, 256)));
    }

    @Test
    void restartPolicyOnAnUnchangedResourceUpdatesInPlace() {
        ContainerEnactment c = new ContainerEnactment("a", "id-a", g(500, 128), g(700, 128), NR, RC);
        assertThat(EnactmentPlanner.plan(pod(QosTier.GUARANTEED, c)))
                .noneMatch(s -> s instanceof StopContainer || s instanceof RecreateContainer)
                .contains(new UpdateContainer("a", g(700, 128)));
    }

    @Test
    void containerRemovedByAnEarlierPassIsRecreatedEvenWithoutChanges() {
        ContainerEnactment gone = new ContainerEnactment("a", "", g(500, 128), g(500, 128), NR, RC);
        assertThat(EnactmentPlanner.plan(pod(QosTier.GUARANTEED, gone)))
                .containsExactly(new RecreateContainer("a", g(500, 128)));
    }

    @Test
    void settledPodNeedsNoSteps() {
        assertThat(EnactmentPlanner.plan(pod(QosTier.BURSTABLE, c("a", g(500, 128), g(500, 128))))).isEmpty();
    }

    @Test
    void unknownPodCgroupValuesAreWrittenAsIncreases() {
        ContainerEnactment a = c("a", g(500, 128), g(500, 128));
        PodEnactment p = new PodEnactment(PodUid.of("u1"), QosTier.GUARANTEED, CgroupName.of("kubepods", "podu1"),
                "sb1", CgroupResources.NONE, List.of(a));
        assertThat(EnactmentPlanner.plan(p)).containsExactly(
                new SetPodCgroup(Resource.MEMORY, new CgroupResources(null, null, null, 128 * MI)),
                new SetPodCgroup(Resource.CPU, new CgroupResources(null, 50_000L, 100_000L, null)),
                new SetPodCgroup(Resource.CPU, new CgroupResources(512L, null, null, null)),
                new UpdatePodSandbox(new CgroupResources(512L, 50_000L, 100_000L, 128 * MI)));
    }
}
