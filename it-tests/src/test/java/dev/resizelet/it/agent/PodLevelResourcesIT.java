package dev.resizelet.it.agent;

import dev.resizelet.it.daemon.Teardown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.cgroups.QosTier;
import dev.resizelet.core.NodeAgent;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResizeRestartPolicy;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.cri.v1.UpdatePodSandboxResourcesRequest;
import dev.resizelet.fakecri.CriRpc;
import dev.resizelet.it.containerd.TopCgroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pod-level resources ({@code spec.resources}, KEP-2837) and their in-place resize (KEP-5419) end to end: the fake
 * CRI runtime over a Unix socket, the pod cgroup files the agent writes (the real cgroup v1 kernel files as root, and a
 * cgroup v2 tree), the container values the runtime is sent (a container without limits inherits the pod-level ones),
 * UpdatePodSandboxResources, the order of the writes, and the pod-level status.
 */
class PodLevelResourcesIT {
    private static final long MI = 1024 * 1024;
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String UID = "uid-plr";

    @TempDir
    Path dir;

    private RuntimeHarness h;
    private NodeAgent agent;
    private TopCgroup top;

    @AfterEach
    void stop() throws Exception {
        Teardown.close(agent, h);
        if (top != null) {
            top.close();
        }
    }

    private void start(CgroupConfig cgroups) {
        h = new RuntimeHarness(dir, cgroups, b -> { });
        CgroupFs real = CgroupFs.real();
        // the agent's own cgroup writes, in one sequence with the runtime's calls
        CgroupFs logged = new CgroupFs() {
            @Override
            public void write(Path file, String value) throws IOException {
                real.write(file, value);
                h.recordWrite("write " + file.getFileName() + " " + cgroups.root().relativize(file) + "=" + value);
            }

            @Override
            public Optional<String> read(Path file) throws IOException {
                return real.read(file);
            }

            @Override
            public void mkdirs(Path d) throws IOException {
                real.mkdirs(d);
            }

            @Override
            public void rmdir(Path d) throws IOException {
                real.rmdir(d);
            }

            @Override
            public boolean exists(Path path) {
                return real.exists(path);
            }
        };
        agent = NodeAgent.builder().runtime(h.client).cgroups(h.cgroupConfig).cgroupFs(logged)
                .allocatable(4000, 4096 * MI)
                .stateDir(dir.resolve("state")).relistInterval(Duration.ofMillis(200)).build();
    }

    private static ResourceRequirements res(String cpuReq, String memReq, String cpuLim, String memLim) {
        Map<String, Quantity> requests = new TreeMap<>();
        Map<String, Quantity> limits = new TreeMap<>();
        put(requests, "cpu", cpuReq);
        put(requests, "memory", memReq);
        put(limits, "cpu", cpuLim);
        put(limits, "memory", memLim);
        return new ResourceRequirements(requests, limits);
    }

    private static void put(Map<String, Quantity> m, String name, String value) {
        if (value != null) {
            m.put(name, Quantity.parse(value));
        }
    }

    /** Burstable: "app" requests 100m cpu and has no limits (it inherits the pod's), "side" has its own limits. */
    private static Pod pod(ResourceRequirements podLevel) {
        Container app = new Container("app", "busybox", List.of("sleep", "3600"), res("100m", null, null, null),
                Map.of("memory", ResizeRestartPolicy.NOT_REQUIRED), null);
        Container side = new Container("side", "busybox", List.of("sleep", "3600"),
                res("100m", "32Mi", "200m", "64Mi"), Map.of(), null);
        return new Pod("default", "plr", PodUid.of(UID), 0, 0, Map.of(), List.of(), List.of(app, side))
                .withPodResources(podLevel);
    }

    private PodView settled(long generation) {
        await().atMost(WAIT).until(() -> agent.get("default", "plr")
                .map(v -> v.status().observedGeneration() == generation && v.status().resize() == null
                        && v.status().phase().equals("Running") && v.status().conditions().stream()
                        .noneMatch(c -> c.type().startsWith("PodResize")))
                .orElse(false));
        return agent.get("default", "plr").orElseThrow();
    }

    private CgroupName podCgroup() {
        return h.agentCgroups.layout().pod(QosTier.BURSTABLE, UID);
    }

    private CgroupName containerCgroup(PodView v, String name) {
        String id = v.status().containerStatuses().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow().containerId().replaceFirst("^[a-z-]+://", "");
        return h.agentCgroups.layout().container(podCgroup(), id);
    }

    /** The cgroup file {@code name} of {@code cgroup}, looked up in each of its directories (v1: cpu, memory). */
    private String file(CgroupName cgroup, String name) throws IOException {
        for (Path d : h.agentCgroups.dirs(cgroup)) {
            if (Files.exists(d.resolve(name))) {
                return Files.readString(d.resolve(name)).trim();
            }
        }
        throw new AssertionError("no " + name + " in " + h.agentCgroups.dirs(cgroup));
    }

    @Test
    void podLevelResizeOnRealCgroupV1Files() throws Exception {
        Path root = Path.of("/sys/fs/cgroup");
        assumeTrue("root".equals(System.getProperty("user.name")), "writing /sys/fs/cgroup needs root");
        assumeTrue(Files.isWritable(root.resolve("cpu")) && Files.isWritable(root.resolve("memory"))
                        && !Files.exists(root.resolve("cgroup.controllers")),
                "needs a cgroup v1 host with writable cpu and memory hierarchies");
        top = TopCgroup.create(root);
        start(new CgroupConfig(root, top.name(), CgroupVersion.V1, CgroupDriver.CGROUPFS));

        agent.create(pod(res("500m", "128Mi", "1", "256Mi")));
        PodView created = settled(1);

        assertThat(file(podCgroup(), "cpu.shares")).isEqualTo("512");
        assertThat(file(podCgroup(), "cpu.cfs_quota_us")).isEqualTo("100000");
        assertThat(file(podCgroup(), "memory.limit_in_bytes")).isEqualTo(Long.toString(256 * MI));
        // "app" has no limits of its own: the pod-level ones; "side" keeps its own
        assertThat(file(containerCgroup(created, "app"), "cpu.cfs_quota_us")).isEqualTo("100000");
        assertThat(file(containerCgroup(created, "app"), "memory.limit_in_bytes")).isEqualTo(Long.toString(256 * MI));
        assertThat(file(containerCgroup(created, "side"), "cpu.cfs_quota_us")).isEqualTo("20000");

        PodView done = resizeAndCheckTheRuntimeSaw();

        assertThat(file(podCgroup(), "cpu.shares")).isEqualTo("1024");
        assertThat(file(podCgroup(), "cpu.cfs_quota_us")).isEqualTo("200000");
        assertThat(file(podCgroup(), "memory.limit_in_bytes")).isEqualTo(Long.toString(512 * MI));
        assertThat(file(containerCgroup(done, "app"), "cpu.cfs_quota_us")).isEqualTo("200000");
        assertThat(file(containerCgroup(done, "app"), "memory.limit_in_bytes")).isEqualTo(Long.toString(512 * MI));
        assertThat(file(containerCgroup(done, "side"), "cpu.cfs_quota_us")).isEqualTo("20000");
    }

    @Test
    void podLevelResizeOnACgroupV2Tree() throws Exception {
        start(new CgroupConfig(dir.resolve("cgroup2"), "kubepods", CgroupVersion.V2, CgroupDriver.CGROUPFS));

        agent.create(pod(res("500m", "128Mi", "1", "256Mi")));
        PodView created = settled(1);

        assertThat(file(podCgroup(), "cpu.max")).isEqualTo("100000 100000");
        assertThat(file(podCgroup(), "cpu.weight")).isEqualTo("20"); // 1 + (512-2)*9999/262142
        assertThat(file(podCgroup(), "memory.max")).isEqualTo(Long.toString(256 * MI));
        assertThat(file(containerCgroup(created, "app"), "memory.max")).isEqualTo(Long.toString(256 * MI));

        PodView done = resizeAndCheckTheRuntimeSaw();

        assertThat(file(podCgroup(), "cpu.max")).isEqualTo("200000 100000");
        assertThat(file(podCgroup(), "cpu.weight")).isEqualTo("39"); // 1 + (1024-2)*9999/262142
        assertThat(file(podCgroup(), "memory.max")).isEqualTo(Long.toString(512 * MI));
        assertThat(file(containerCgroup(done, "app"), "cpu.max")).isEqualTo("200000 100000");
        assertThat(file(containerCgroup(done, "app"), "memory.max")).isEqualTo(Long.toString(512 * MI));
        assertThat(file(containerCgroup(done, "side"), "memory.max")).isEqualTo(Long.toString(64 * MI));
    }

    /**
     * Resizes the pod-level values up through the resize subresource and checks what the runtime was told, in which
     * order, and the status; returns the settled pod.
     */
    private PodView resizeAndCheckTheRuntimeSaw() {
        String appId = agent.get("default", "plr").orElseThrow().status().containerStatuses().get(0).containerId();
        long sandboxCalls = h.fake.callCount(CriRpc.UPDATE_POD_SANDBOX_RESOURCES);
        h.clearLog();

        PodView updated = agent.update("default", "plr", pod(res("1", "256Mi", "2", "512Mi")), null, true, false);
        assertThat(updated.generation()).isEqualTo(2);
        PodView done = settled(2);

        // the pod cgroup is raised before the inheriting container is (grow: pod first), and no restart happened
        List<String> actions = h.actions();
        int podMemory = indexOf(actions, "pod" + UID + "/memory.");
        int podCpu = indexOf(actions, "pod" + UID + "/cpu");
        int appUpdate = indexOf(actions, "UpdateContainerResources");
        assertThat(podMemory).as("pod memory write in %s", actions).isGreaterThanOrEqualTo(0);
        assertThat(appUpdate).as("container update in %s", actions).isGreaterThan(podMemory).isGreaterThan(podCpu);
        assertThat(podCpu).as("pod cpu write in %s", actions).isGreaterThanOrEqualTo(0);
        assertThat(actions).noneMatch(a -> a.startsWith("StopContainer") || a.startsWith("CreateContainer"));
        // at least one; on a v2 tree a later sync may repeat it (cpu.weight read back as shares is not exact); the
        // pass does not wait for its answer, so the runtime may see it just after the status settled
        await().atMost(WAIT).until(() -> h.fake.callCount(CriRpc.UPDATE_POD_SANDBOX_RESOURCES) > sandboxCalls);
        UpdatePodSandboxResourcesRequest sandbox = (UpdatePodSandboxResourcesRequest) h.fake
                .calls(CriRpc.UPDATE_POD_SANDBOX_RESOURCES).get((int) sandboxCalls).request();
        assertThat(sandbox.getResources().getCpuQuota()).isEqualTo(200_000);
        assertThat(sandbox.getResources().getCpuShares()).isEqualTo(1024);
        assertThat(sandbox.getResources().getMemoryLimitInBytes()).isEqualTo(512 * MI);

        PodStatus s = done.status();
        assertThat(s.containerStatuses()).allSatisfy(c -> assertThat(c.restartCount()).isZero());
        assertThat(s.containerStatuses().get(0).containerId()).isEqualTo(appId);
        assertThat(s.allocatedResources()).containsEntry("cpu", Quantity.parse("1"))
                .containsEntry("memory", Quantity.parse("256Mi"));
        assertThat(s.resources().limits()).containsEntry("cpu", Quantity.parse("2"))
                .containsEntry("memory", Quantity.parse("512Mi"));
        // the container without limits shows none (the inherited one is the pod's, not its own)
        assertThat(s.containerStatuses().get(0).resources().limits()).isEmpty();
        assertThat(done.spec().podResources().limits()).containsEntry("cpu", Quantity.parse("2"));
        return done;
    }

    private void startV2() {
        start(new CgroupConfig(dir.resolve("cgroup2"), "kubepods", CgroupVersion.V2, CgroupDriver.CGROUPFS));
    }

    private PodView waitFor(java.util.function.Predicate<PodView> condition) {
        await().atMost(WAIT).until(() -> agent.get("default", "plr").map(condition::test).orElse(false));
        return agent.get("default", "plr").orElseThrow();
    }

    /**
     * KEP-5419's example: a container without a memory limit runs with the pod's, so a pod-level memory limit change
     * restarts it where its memory resizePolicy is RestartContainer; a container with its own limits is not touched,
     * and a pod-level cpu change restarts nothing when the cpu policy is NotRequired.
     */
    @Test
    void aPodLevelLimitChangeRestartsAnInheritingContainerWhoseResizePolicySaysSo() throws Exception {
        startV2();
        Container c1 = new Container("c1", "busybox", List.of("sleep", "3600"), ResourceRequirements.NONE,
                Map.of("cpu", ResizeRestartPolicy.NOT_REQUIRED, "memory", ResizeRestartPolicy.RESTART_CONTAINER), null);
        Container c2 = new Container("c2", "busybox", List.of("sleep", "3600"), res("50m", "50Mi", "100m", "100Mi"),
                Map.of("cpu", ResizeRestartPolicy.NOT_REQUIRED, "memory", ResizeRestartPolicy.RESTART_CONTAINER), null);
        java.util.function.Function<ResourceRequirements, Pod> pod = r -> new Pod("default", "plr", PodUid.of(UID), 0,
                0, Map.of(), List.of(), List.of(c1, c2)).withPodResources(r);
        agent.create(pod.apply(res("100m", "100Mi", "200m", "200Mi")));
        settled(1);

        agent.update("default", "plr", pod.apply(res("100m", "100Mi", "200m", "300Mi")), null, true, false);
        PodView memory = settled(2);

        assertThat(memory.status().containerStatuses()).extracting(PodStatus.ContainerStatus::restartCount)
                .containsExactly(1, 0);
        assertThat(file(containerCgroup(memory, "c1"), "memory.max")).isEqualTo(Long.toString(300 * MI));
        assertThat(file(containerCgroup(memory, "c2"), "memory.max")).isEqualTo(Long.toString(100 * MI));

        agent.update("default", "plr", pod.apply(res("100m", "100Mi", "400m", "300Mi")), null, true, false);
        PodView cpu = settled(3);

        assertThat(cpu.status().containerStatuses()).extracting(PodStatus.ContainerStatus::restartCount)
                .containsExactly(1, 0);
        assertThat(file(containerCgroup(cpu, "c1"), "cpu.max")).isEqualTo("40000 100000");
        assertThat(file(podCgroup(), "cpu.max")).isEqualTo("40000 100000");
    }

    /** The upstream e2e "decrease pod-level memory limit below usage": refused with the kubelet's words, then revertible. */
    @Test
    void aPodLevelMemoryLimitBelowUsageStaysInProgressWithAnErrorUntilReverted() throws Exception {
        startV2();
        Container c1 = new Container("c1", "busybox", List.of("sleep", "3600"), ResourceRequirements.NONE, Map.of(),
                null);
        java.util.function.Function<String, Pod> pod = m -> new Pod("default", "plr", PodUid.of(UID), 0, 0, Map.of(),
                List.of(), List.of(c1)).withPodResources(res(null, m, null, m));
        agent.create(pod.apply("256Mi"));
        settled(1);
        h.fake.setMemoryUsage(h.agentCgroups.layout().pod(QosTier.BURSTABLE, UID), 100 * MI);

        agent.update("default", "plr", pod.apply("200Mi"), null, true, false);
        settled(2);
        agent.update("default", "plr", pod.apply("10Ki"), null, true, false);
        PodView stuck = waitFor(v -> v.status().conditions().stream().anyMatch(c ->
                c.type().equals(PodStatus.RESIZE_IN_PROGRESS) && c.reason().equals("Error")));

        assertThat(stuck.status().conditions()).noneMatch(c -> c.type().equals(PodStatus.RESIZE_PENDING));
        assertThat(stuck.status().conditions()).filteredOn(c -> c.type().equals(PodStatus.RESIZE_IN_PROGRESS))
                .singleElement().satisfies(c -> assertThat(c.message()).containsPattern("memory limit \\(\\d+\\) below current usage"));
        assertThat(file(podCgroup(), "memory.max")).isEqualTo(Long.toString(200 * MI));
        assertThat(stuck.status().resources().limits()).containsEntry("memory", Quantity.parse("200Mi"));

        agent.update("default", "plr", pod.apply("256Mi"), null, true, false);
        PodView reverted = settled(4);

        assertThat(file(podCgroup(), "memory.max")).isEqualTo(Long.toString(256 * MI));
        assertThat(reverted.status().allocatedResources()).containsEntry("memory", Quantity.parse("256Mi"));
    }

    /** Admission counts the pod-level request: Infeasible above the node, Deferred beside other pods. */
    @Test
    void aPodLevelResizeIsInfeasibleOrDeferredWithTheKubeletsMessages() throws Exception {
        startV2();
        agent.create(pod(res("500m", "128Mi", "1", "256Mi")));
        settled(1);
        Container big = new Container("big", "busybox", List.of("sleep", "3600"), res("3", "1Gi", null, null),
                Map.of(), null);
        agent.create(new Pod("default", "other", PodUid.of("uid-other"), 0, 0, Map.of(), List.of(), List.of(big)));

        agent.update("default", "plr", pod(res("5", "128Mi", "5", "256Mi")), null, true, false);
        PodView infeasible = waitFor(v -> "Infeasible".equals(v.status().resize()));

        assertThat(infeasible.status().conditions()).filteredOn(c -> c.type().equals(PodStatus.RESIZE_PENDING))
                .singleElement().satisfies(c -> {
                    assertThat(c.reason()).isEqualTo("Infeasible");
                    assertThat(c.message()).isEqualTo("Node didn't have enough capacity: cpu, requested: 5000,"
                            + " capacity: 4000");
                });
        assertThat(infeasible.status().allocatedResources()).containsEntry("cpu", Quantity.parse("500m"));

        agent.update("default", "plr", pod(res("1500m", "128Mi", "2", "256Mi")), null, true, false);
        PodView deferred = waitFor(v -> "Deferred".equals(v.status().resize()));

        assertThat(deferred.status().conditions()).filteredOn(c -> c.type().equals(PodStatus.RESIZE_PENDING))
                .singleElement().satisfies(c -> assertThat(c.message())
                        .startsWith("Node didn't have enough resource: cpu, requested: 1500"));
        assertThat(file(podCgroup(), "cpu.max")).isEqualTo("100000 100000");

        agent.delete("default", "other", 0L);
        PodView admitted = settled(3);
        assertThat(admitted.status().allocatedResources()).containsEntry("cpu", Quantity.parse("1500m"));
        assertThat(file(podCgroup(), "cpu.max")).isEqualTo("200000 100000");
    }

    private static int indexOf(List<String> actions, String part) {
        for (int i = 0; i < actions.size(); i++) {
            if (actions.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }
}
