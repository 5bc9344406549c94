package dev.resizelet.it.agent;

import dev.resizelet.it.daemon.Teardown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.core.NodeAgent;
import dev.resizelet.core.api.InvalidException;
import dev.resizelet.core.api.PodEvent;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.fakecri.CriRpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedding API end to end: fake CRI runtime on a Unix socket, temp cgroup v1 tree, durable state dir. */
class NodeAgentIT {
    private static final long MI = 1024 * 1024;
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private RuntimeHarness h;
    private NodeAgent agent;

    private NodeAgent start(long cpuMillis, long memoryBytes) {
        if (h == null) {
            h = new RuntimeHarness(dir, b -> { });
        }
        agent = NodeAgent.builder()
                .runtime(h.client)
                .cgroups(h.cgroupConfig)
                .allocatable(cpuMillis, memoryBytes)
                .stateDir(dir.resolve("state"))
                .relistInterval(Duration.ofMillis(200))
                .build();
        return agent;
    }

    @AfterEach
    void stop() throws Exception {
        Teardown.close(agent, h);
    }

    static Pod guaranteed(String name, String cpu, String memory) {
        ResourceRequirements r = new ResourceRequirements(
                Map.of("cpu", Quantity.parse(cpu), "memory", Quantity.parse(memory)),
                Map.of("cpu", Quantity.parse(cpu), "memory", Quantity.parse(memory)));
        return new Pod("default", name, PodUid.of("uid-" + name), 0, 0, Map.of(), List.of(),
                List.of(new Container("app", "busybox", List.of("sleep", "3600"), r, Map.of(), null)));
    }

    private PodView running(String name) {
        await().atMost(WAIT).until(() -> agent.get("default", name)
                .map(v -> v.status().phase().equals("Running")).orElse(false));
        return agent.get("default", name).orElseThrow();
    }

    private PodView settled(String name, long generation) {
        return settled(agent, name, generation);
    }

    /** The pod once it runs with no resize left at {@code generation}. */
    static PodView settled(NodeAgent agent, String name, long generation) {
        await().atMost(WAIT).until(() -> agent.get("default", name)
                .map(v -> v.status().observedGeneration() == generation && v.status().resize() == null
                        && v.status().phase().equals("Running"))
                .orElse(false));
        return agent.get("default", name).orElseThrow();
    }

    private String containerId(PodView v) {
        return v.status().containerStatuses().get(0).containerId().replaceFirst("^[a-z-]+://", "");
    }

    @Test
    void resizeIsAdmittedEnactedAndReportedWithoutRestart() {
        start(4000, 4096 * MI);
        agent.create(guaranteed("web", "500m", "128Mi"));
        String id = containerId(running("web"));

        PodView updated = agent.update("default", "web", guaranteed("web", "800m", "256Mi"), null, true, false);
        assertThat(updated.generation()).isEqualTo(2);
        PodView done = settled("web", 2);

        PodStatus.ContainerStatus cs = done.status().containerStatuses().get(0);
        assertThat(cs.restartCount()).isZero();
        assertThat(containerId(done)).isEqualTo(id);
        assertThat(cs.allocatedResources().requests()).containsEntry("cpu", Quantity.parse("800m"))
                .containsEntry("memory", Quantity.parse("256Mi"));
        assertThat(cs.resources().limits()).containsEntry("cpu", Quantity.parse("800m"))
                .containsEntry("memory", Quantity.parse("256Mi"));
        CgroupResources files = h.agentCgroups.read(h.agentCgroups.layout()
                .container(h.agentCgroups.layout().pod(dev.resizelet.cgroups.QosTier.GUARANTEED, "uid-web"), id));
        assertThat(files.cpuQuota()).isEqualTo(80_000L);
        assertThat(files.memoryLimitBytes()).isEqualTo(256 * MI);
        assertThat(agent.events("default")).extracting(e -> e.reason()).contains("ResizeStarted", "ResizeCompleted");
    }

    static Pod twoContainers(String name, String cpu, String memory) {
        ResourceRequirements r = new ResourceRequirements(
                Map.of("cpu", Quantity.parse(cpu), "memory", Quantity.parse(memory)),
                Map.of("cpu", Quantity.parse(cpu), "memory", Quantity.parse(memory)));
        return new Pod("default", name, PodUid.of("uid-" + name), 0, 0, Map.of(), List.of(),
                List.of(new Container("app", "busybox", List.of("sleep", "3600"), r, Map.of(), null),
                        new Container("side", "busybox", List.of("sleep", "3600"), r, Map.of(), null)));
    }

    @Test
    void aResizeOfBothResourcesOfTwoContainersCostsOneUpdateAndOneStatusReadPerContainer() {
        start(4000, 4096 * MI);
        agent.create(twoContainers("pair", "500m", "128Mi"));
        settled("pair", 1);
        // the start reads each container back once; the status may show Running before those reads are answered
        await().atMost(WAIT).until(() -> h.fake.callCounts().getOrDefault(CriRpc.CONTAINER_STATUS, 0L) >= 2);
        Map<CriRpc, Long> before = h.fake.callCounts();

        agent.update("default", "pair", twoContainers("pair", "800m", "256Mi"), null, true, false);
        PodView done = settled("pair", 2);
        // the pass does not wait for UpdatePodSandboxResources (best effort): the runtime may see it a little later
        await().atMost(WAIT).until(() -> h.fake.callCounts().getOrDefault(CriRpc.UPDATE_POD_SANDBOX_RESOURCES, 0L)
                > before.getOrDefault(CriRpc.UPDATE_POD_SANDBOX_RESOURCES, 0L));

        Map<CriRpc, Long> after = h.fake.callCounts();
        long updates = after.get(CriRpc.UPDATE_CONTAINER_RESOURCES) - before.get(CriRpc.UPDATE_CONTAINER_RESOURCES);
        long reads = after.get(CriRpc.CONTAINER_STATUS) - before.get(CriRpc.CONTAINER_STATUS);
        long sandbox = after.get(CriRpc.UPDATE_POD_SANDBOX_RESOURCES) - before.get(CriRpc.UPDATE_POD_SANDBOX_RESOURCES);
        assertThat(updates).as("UpdateContainerResources").isEqualTo(2);
        assertThat(reads).as("ContainerStatus").isEqualTo(2);
        assertThat(sandbox).as("UpdatePodSandboxResources").isEqualTo(1);
        assertThat(done.status().containerStatuses()).allSatisfy(cs ->
                assertThat(cs.resources().limits()).containsEntry("cpu", Quantity.parse("800m"))
                        .containsEntry("memory", Quantity.parse("256Mi")));
    }

    @Test
    void aPodCreatedAfterTheStartIsStartedWithoutSearchingOrListingTheRuntime() {
        // the node-wide adoption at start covered every stored pod: a new pod cannot have a sandbox yet
        start(4000, 4096 * MI);
        Map<CriRpc, Long> before = h.fake.callCounts();
        long sequenceBefore = h.fake.calls().stream().mapToLong(c -> c.sequence()).max().orElse(0);

        agent.create(twoContainers("fresh", "500m", "128Mi"));
        PodView done = settled("fresh", 1);
        // the loop may publish the settled status before the engine's post-start reads are answered: wait for them
        await().atMost(WAIT).until(() -> h.fake.callCounts().getOrDefault(CriRpc.CONTAINER_STATUS, 0L)
                - before.getOrDefault(CriRpc.CONTAINER_STATUS, 0L) >= 2);

        Map<CriRpc, Long> after = h.fake.callCounts();
        java.util.function.Function<CriRpc, Long> delta = rpc -> after.get(rpc) - before.get(rpc);
        assertThat(delta.apply(CriRpc.LIST_POD_SANDBOX)).as("ListPodSandbox").isZero();
        assertThat(delta.apply(CriRpc.RUN_POD_SANDBOX)).as("RunPodSandbox").isEqualTo(1);
        assertThat(delta.apply(CriRpc.CREATE_CONTAINER)).as("CreateContainer").isEqualTo(2);
        assertThat(delta.apply(CriRpc.START_CONTAINER)).as("StartContainer").isEqualTo(2);
        assertThat(delta.apply(CriRpc.CONTAINER_STATUS)).as("ContainerStatus").isEqualTo(2);
        // only the periodic node-wide relist lists containers, never a listing of this pod's sandbox
        assertThat(h.fake.calls(CriRpc.LIST_CONTAINERS)).filteredOn(c -> c.sequence() > sequenceBefore)
                .allSatisfy(c -> assertThat(((dev.resizelet.cri.v1.ListContainersRequest) c.request()).getFilter()
                        .getPodSandboxId()).isEmpty());
        assertThat(done.status().containerStatuses()).allSatisfy(cs ->
                assertThat(cs.resources().limits()).containsEntry("cpu", Quantity.parse("500m")));
    }

    private static Pod restartOnMemory(String name, String memory) {
        ResourceRequirements r = new ResourceRequirements(
                Map.of("cpu", Quantity.parse("500m"), "memory", Quantity.parse(memory)),
                Map.of("cpu", Quantity.parse("500m"), "memory", Quantity.parse(memory)));
        return new Pod("default", name, PodUid.of("uid-" + name), 0, 0, Map.of(), List.of(),
                List.of(new Container("app", "busybox", List.of("sleep", "3600"), r,
                        Map.of("memory", dev.resizelet.core.model.ResizeRestartPolicy.RESTART_CONTAINER), null)));
    }

    @Test
    void aRestartContainerResizeRestartsOnceAndSaysSo() {
        start(4000, 4096 * MI);
        agent.create(restartOnMemory("web", "128Mi"));
        String id = containerId(running("web"));

        agent.update("default", "web", restartOnMemory("web", "256Mi"), null, true, false);
        PodView done = settled("web", 2);

        PodStatus.ContainerStatus cs = done.status().containerStatuses().get(0);
        assertThat(cs.restartCount()).isEqualTo(1);
        assertThat(containerId(done)).isNotEqualTo(id);
        assertThat(cs.resources().limits()).containsEntry("memory", Quantity.parse("256Mi"));
        assertThat(agent.events("default")).anySatisfy(e -> {
            assertThat(e.reason()).isEqualTo("Killing");
            assertThat(e.message()).isEqualTo("Container app resize requires restart");
        });
        // the actuated record was durable before the new container started: a restart of the agent re-creates nothing
        long creates = h.fake.callCount(CriRpc.CREATE_CONTAINER);
        agent.close();
        agent = null;
        start(4000, 4096 * MI);
        PodView again = settled("web", 2);
        assertThat(containerId(again)).isEqualTo(containerId(done));
        assertThat(h.fake.callCount(CriRpc.CREATE_CONTAINER)).isEqualTo(creates);
    }

    @Test
    void deferredResizeIsAdmittedAndEnactedWhenAnotherPodIsDeleted() {
        start(2000, 4096 * MI);
        agent.create(guaranteed("a", "1", "128Mi"));
        agent.create(guaranteed("b", "1", "128Mi"));
        running("a");
        running("b");

        agent.update("default", "a", guaranteed("a", "1500m", "128Mi"), null, true, false);
        await().atMost(WAIT).until(() -> "Deferred".equals(agent.get("default", "a").orElseThrow().status().resize()));
        PodStatus deferred = agent.get("default", "a").orElseThrow().status();
        assertThat(deferred.conditions()).singleElement().satisfies(c -> {
            assertThat(c.type()).isEqualTo("PodResizePending");
            assertThat(c.reason()).isEqualTo("Deferred");
            assertThat(c.message()).isEqualTo("Node didn't have enough resource: cpu, requested: 1500, used: 1000, capacity: 2000");
        });
        assertThat(h.fake.callCount(CriRpc.UPDATE_CONTAINER_RESOURCES)).isZero();

        agent.delete("default", "b");

        PodView done = settled("a", 2);
        assertThat(done.status().containerStatuses().get(0).resources().limits()).containsEntry("cpu", Quantity.parse("1500m"));
        assertThat(h.fake.callCount(CriRpc.UPDATE_CONTAINER_RESOURCES)).isPositive();
    }

    @Test
    void infeasibleResizeNeverReachesTheRuntime() {
        start(2000, 4096 * MI);
        agent.create(guaranteed("a", "1", "128Mi"));
        running("a");
        long updatesBefore = h.fake.callCount(CriRpc.UPDATE_CONTAINER_RESOURCES);

        agent.update("default", "a", guaranteed("a", "3", "128Mi"), null, true, false);

        await().atMost(WAIT).until(() -> "Infeasible".equals(agent.get("default", "a").orElseThrow().status().resize()));
        assertThat(agent.get("default", "a").orElseThrow().status().conditions()).singleElement()
                .satisfies(c -> assertThat(c.message())
                        .isEqualTo("Node didn't have enough capacity: cpu, requested: 3000, capacity: 2000"));
        assertThat(h.fake.callCount(CriRpc.UPDATE_CONTAINER_RESOURCES)).isEqualTo(updatesBefore);
    }

    @Test
    void illegalResizeIsRejectedWithTheApiserverWordsAndChangesNothing() {
        start(4000, 4096 * MI);
        agent.create(guaranteed("a", "1", "128Mi"));
        PodView before = running("a");
        Pod burstable = new Pod("default", "a", PodUid.of("uid-a"), 0, 0, Map.of(), List.of(), List.of(new Container(
                "app", "busybox", List.of(), new ResourceRequirements(Map.of("cpu", Quantity.parse("500m")),
                        Map.of("cpu", Quantity.parse("1"))), Map.of(), null)));

        InvalidException e = assertThrows(InvalidException.class,
                () -> agent.update("default", "a", burstable, null, true, false));

        assertThat(e.getMessage()).contains("Pod QOS Class may not change as a result of resizing");
        PodView after = agent.get("default", "a").orElseThrow();
        assertThat(after.generation()).isEqualTo(before.generation());
        assertThat(after.spec()).isEqualTo(before.spec());
    }

    @Test
    void anUpdateThatChangesNothingKeepsTheGenerationAndWritesNothing() {
        start(4000, 4096 * MI);
        agent.create(guaranteed("a", "1", "128Mi"));
        PodView before = running("a");

        PodView after = agent.update("default", "a", guaranteed("a", "1000m", "128Mi"), null, true, false);

        assertThat(after.generation()).isEqualTo(before.generation());
        assertThat(agent.get("default", "a").orElseThrow().generation()).isEqualTo(1);
    }

    @Test
    void aRestartListsTheRuntimeOnceForTheOrphanSweepAndTheAdoption() {
        start(4000, 4096 * MI);
        agent.create(guaranteed("a", "500m", "128Mi"));
        agent.create(guaranteed("b", "500m", "128Mi"));
        String idA = containerId(running("a"));
        String idB = containerId(running("b"));
        agent.close();
        agent = null;
        // a container the agent made for a pod that is no longer stored (a delete whose teardown a crash cut short)
        var sandboxes = h.client.listPodSandbox(dev.resizelet.cri.v1.ListPodSandboxRequest.getDefaultInstance());
        String orphanSandbox = sandboxes.getItems(0).getId();
        var sandboxConfig = h.fake.calls(CriRpc.RUN_POD_SANDBOX).stream()
                .map(c -> ((dev.resizelet.cri.v1.RunPodSandboxRequest) c.request()).getConfig()).findFirst().orElseThrow();
        String stray = h.client.createContainer(dev.resizelet.cri.v1.CreateContainerRequest.newBuilder()
                .setPodSandboxId(orphanSandbox).setSandboxConfig(sandboxConfig)
                .setConfig(dev.resizelet.cri.v1.ContainerConfig.newBuilder()
                        .setMetadata(dev.resizelet.cri.v1.ContainerMetadata.newBuilder().setName("stray"))
                        .setImage(dev.resizelet.cri.v1.ImageSpec.newBuilder().setImage("busybox"))
                        .putLabels("io.resizelet.managed", "true").putLabels("io.kubernetes.pod.uid", "uid-gone"))
                .build()).getContainerId();
        Map<CriRpc, Long> before = h.fake.callCounts();

        agent = NodeAgent.builder().runtime(h.client).cgroups(h.cgroupConfig).allocatable(4000, 4096 * MI)
                .stateDir(dir.resolve("state")).relistInterval(Duration.ofHours(1)).build();
        // the sweep runs after ready, in the background
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(h.fake.calls(CriRpc.REMOVE_CONTAINER)).extracting(c -> c.id()).contains(stray));
        Map<CriRpc, Long> swept = h.fake.callCounts();

        // one node-wide listing of each kind served both the sweep and the adoption (they listed twice each before)
        assertThat(swept.get(CriRpc.LIST_POD_SANDBOX) - before.get(CriRpc.LIST_POD_SANDBOX)).isEqualTo(1);
        assertThat(swept.get(CriRpc.LIST_CONTAINERS) - before.get(CriRpc.LIST_CONTAINERS)).isEqualTo(1);
        assertThat(swept.get(CriRpc.RUN_POD_SANDBOX)).isEqualTo(before.get(CriRpc.RUN_POD_SANDBOX));
        assertThat(containerId(running("a"))).isEqualTo(idA);
        assertThat(containerId(running("b"))).isEqualTo(idB);
    }

    @Test
    void restartFromTheStateDirKeepsPodsAdoptsContainersAndFinishesPendingResizes() {
        start(4000, 4096 * MI);
        agent.create(guaranteed("web", "500m", "128Mi"));
        String id = containerId(running("web"));
        long rvBefore = agent.resourceVersion();
        agent.close();
        agent = null;

        start(4000, 4096 * MI);
        // the moment the agent is built, before any status was published, a reader sees the allocation
        PodView first = agent.get("default", "web").orElseThrow();
        assertThat(first.status().containerStatuses()).singleElement().satisfies(cs ->
                assertThat(cs.allocatedResources().requests()).containsEntry("cpu", Quantity.parse("500m")));
        PodView after = settled("web", 1);

        assertThat(containerId(after)).isEqualTo(id);
        assertThat(h.fake.callCount(CriRpc.RUN_POD_SANDBOX)).isEqualTo(1);
        assertThat(after.resourceVersion()).isGreaterThan(rvBefore);

        agent.update("default", "web", guaranteed("web", "1", "128Mi"), null, true, false);
        assertThat(settled("web", 2).status().containerStatuses().get(0).resources().limits())
                .containsEntry("cpu", Quantity.parse("1"));
    }

    @Test
    void afterARestartEveryPodIsReadBackInTheBackgroundAndAResizeSentMeanwhileIsEnactedWithItsNewValues() {
        start(8000, 8192 * MI);
        List<String> names = java.util.stream.IntStream.range(0, 10).mapToObj(i -> "p" + i).toList();
        names.forEach(n -> agent.create(guaranteed(n, "200m", "64Mi")));
        List<String> ids = names.stream().map(n -> containerId(running(n))).toList();
        agent.close();
        agent = null;
        int readsBefore = h.fake.calls(CriRpc.CONTAINER_STATUS).size();

        start(8000, 8192 * MI);
        // more pods than restored passes run at once; the last one is resized before its turn may have come
        agent.update("default", "p9", guaranteed("p9", "700m", "64Mi"), null, true, false);

        await().atMost(WAIT).until(() -> h.fake.calls(CriRpc.CONTAINER_STATUS).stream().skip(readsBefore)
                .map(c -> c.id()).collect(java.util.stream.Collectors.toSet()).containsAll(ids));
        PodView resized = settled("p9", 2);
        assertThat(resized.status().containerStatuses().get(0).resources().limits())
                .containsEntry("cpu", Quantity.parse("700m"));
        assertThat(containerId(resized)).as("adopted, not recreated").isEqualTo(ids.get(9));
        for (int i = 0; i < 9; i++) {
            PodView v = settled(names.get(i), 1);
            assertThat(containerId(v)).isEqualTo(ids.get(i));
            assertThat(v.status().containerStatuses().get(0).resources().limits())
                    .containsEntry("cpu", Quantity.parse("200m"));
        }
        assertThat(h.fake.callCount(CriRpc.RUN_POD_SANDBOX)).as("nothing started twice").isEqualTo(10);
    }

    @Test
    void watchSeesTheResizeProgressInOrder() throws Exception {
        start(4000, 4096 * MI);
        agent.create(guaranteed("web", "500m", "128Mi"));
        running("web");
        List<PodEvent> seen = new CopyOnWriteArrayList<>();
        try (AutoCloseable w = agent.watch("default", agent.resourceVersion(), seen::add)) {
            agent.update("default", "web", guaranteed("web", "700m", "128Mi"), null, false, false);
            settled("web", 2);
            await().atMost(WAIT).until(() -> seen.stream().anyMatch(e -> e.pod().status().observedGeneration() == 2
                    && e.pod().status().resize() == null));
        }
        assertThat(seen).extracting(e -> e.pod().resourceVersion()).isSorted().doesNotHaveDuplicates();
        assertThat(seen).extracting(e -> e.pod().status().resize()).contains("InProgress");
    }
}
