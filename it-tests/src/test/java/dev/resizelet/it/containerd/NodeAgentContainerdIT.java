package dev.resizelet.it.containerd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.cgroups.MemoryLimitBelowUsageException;
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
import dev.resizelet.cri.CriException;
import dev.resizelet.cri.GrpcRuntimeClient;
import dev.resizelet.cri.v1.ContainerStatus;
import dev.resizelet.cri.v1.LinuxContainerResources;
import io.grpc.Status;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7 through the agent: {@link NodeAgent} in node mode against a private containerd (runc, real
 * {@code /sys/fs/cgroup} v1 below a test-owned top cgroup) creates pods that run real processes, resizes them in
 * place and by restart, holds back a memory shrink below what a process holds, survives a containerd restart,
 * and prints how long each resize took end to end beside the bare UpdateContainerResources call.
 */
@Tag("containerd")
@ExtendWith(ContainerdExtension.class)
class NodeAgentContainerdIT {

    private static final long MIB = 1024 * 1024;
    private static final long PERIOD = 100_000;
    private static final String NS = "default";
    /** Generous: the machine is shared with other builds. */
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final List<String> SLEEP = List.of("/bin/sleep", "3600");
    private static final long GRACE_SECONDS = 2;

    private final PrivateContainerd containerd;
    private final TopCgroup top;
    private final CgroupManager cgroups;
    private final List<String> created = new ArrayList<>();

    @TempDir
    Path stateDir;

    private NodeAgent agent;
    private GrpcRuntimeClient cri;

    NodeAgentContainerdIT(PrivateContainerd containerd, TopCgroup top) {
        this.containerd = containerd;
        this.top = top;
        this.cgroups = new CgroupManager(cgroupConfig(), CgroupFs.real());
    }

    private CgroupConfig cgroupConfig() {
        return new CgroupConfig(top.root(), top.name(), CgroupVersion.V1, CgroupDriver.CGROUPFS);
    }

    @BeforeEach
    void startAgent() {
        agent = NodeAgent.builder()
                .criEndpoint(containerd.endpoint())
                .cgroups(cgroupConfig())
                .allocatable(4000, 2048 * MIB)
                .stateDir(stateDir.resolve("state"))
                .relistInterval(Duration.ofMillis(500))
                .build();
        cri = GrpcRuntimeClient.connect(containerd.endpoint());
    }

    /** Deletes what the test created through the agent and waits for its cgroups to go; the top goes after the class. */
    @AfterEach
    void deletePods() {
        try {
            for (String name : created) {
                try {
                    agent.delete(NS, name);
                } catch (RuntimeException e) {
                    System.out.printf("cleanup: delete %s: %s%n", name, e.getMessage());
                }
            }
            try {
                await("pods deleted and their cgroups removed").atMost(WAIT)
                        .until(() -> agent.list(NS).isEmpty() && podDirs().isEmpty());
            } catch (ConditionTimeoutException e) {
                // TopCgroup removes what is left after the class; say what it was
                System.out.printf("cleanup: left for the class teardown: pods=%s dirs=%s%n",
                        agent.list(NS).size(), podDirs());
            }
        } finally {
            agent.close();
            cri.close();
        }
    }

    @Test
    void guaranteedAndBurstablePodsResizeInPlaceUpAndDown() {
        // given a Guaranteed and a Burstable pod running sleep
        Pod g = pod("g", SLEEP, Map.of("cpu", "500m", "memory", "64Mi"), Map.of("cpu", "500m", "memory", "64Mi"), Map.of());
        Pod b = pod("b", SLEEP, Map.of("cpu", "250m", "memory", "32Mi"), Map.of("cpu", "500m", "memory", "64Mi"), Map.of());
        agent.create(g);
        agent.create(b);
        String gId = containerId(running(g));
        String bId = containerId(running(b));
        long gPid = pid(g, gId);
        long bPid = pid(b, bId);
        assertContainer(g, gId, 512, 50_000, 64 * MIB);
        assertPodCgroup(g, 512, 50_000, 64 * MIB);
        assertContainer(b, bId, 256, 50_000, 64 * MIB);
        assertPodCgroup(b, 256, 50_000, 64 * MIB);

        // when both are resized up
        Pod gUp = resized(g, Map.of("cpu", "1", "memory", "128Mi"), Map.of("cpu", "1", "memory", "128Mi"));
        Pod bUp = resized(b, Map.of("cpu", "500m", "memory", "64Mi"), Map.of("cpu", "1", "memory", "128Mi"));
        long gUpNanos = timedResize(gUp, 2);
        long bUpNanos = timedResize(bUp, 2);

        // then files, containerd and the agent's status show the new values; same container, same process
        assertContainer(g, gId, 1024, 100_000, 128 * MIB);
        assertPodCgroup(g, 1024, 100_000, 128 * MIB);
        assertContainer(b, bId, 512, 100_000, 128 * MIB);
        assertPodCgroup(b, 512, 100_000, 128 * MIB);
        assertAgentStatus(g, gId, "1", "1", "128Mi", 0);
        assertAgentStatus(b, bId, "500m", "1", "128Mi", 0);
        assertThat(pid(g, gId)).as("Guaranteed container PID after resize up").isEqualTo(gPid);
        assertThat(pid(b, bId)).as("Burstable container PID after resize up").isEqualTo(bPid);

        // when both are resized down
        Pod gDown = resized(g, Map.of("cpu", "250m", "memory", "32Mi"), Map.of("cpu", "250m", "memory", "32Mi"));
        Pod bDown = resized(b, Map.of("cpu", "100m", "memory", "16Mi"), Map.of("cpu", "250m", "memory", "32Mi"));
        long gDownNanos = timedResize(gDown, 3);
        long bDownNanos = timedResize(bDown, 3);

        // then the same, lower
        assertContainer(g, gId, 256, 25_000, 32 * MIB);
        assertPodCgroup(g, 256, 25_000, 32 * MIB);
        assertContainer(b, bId, 102, 25_000, 32 * MIB);
        assertPodCgroup(b, 102, 25_000, 32 * MIB);
        assertAgentStatus(g, gId, "250m", "250m", "32Mi", 0);
        assertAgentStatus(b, bId, "100m", "250m", "32Mi", 0);
        assertThat(pid(g, gId)).as("Guaranteed container PID after resize down").isEqualTo(gPid);
        assertThat(pid(b, bId)).as("Burstable container PID after resize down").isEqualTo(bPid);

        // the bare call, on the same containers with the same values
        double gBare = bareUpdateMedianMillis(gId, criResources(256, 25_000, 32 * MIB));
        double bBare = bareUpdateMedianMillis(bId, criResources(102, 25_000, 32 * MIB));
        printTiming("Guaranteed up (500m/64Mi -> 1/128Mi)", gUpNanos, gBare);
        printTiming("Burstable up (250m..500m/32..64Mi -> 500m..1/64..128Mi)", bUpNanos, bBare);
        printTiming("Guaranteed down (1/128Mi -> 250m/32Mi)", gDownNanos, gBare);
        printTiming("Burstable down (500m..1/64..128Mi -> 100m..250m/16..32Mi)", bDownNanos, bBare);

        // when the pods are deleted through the agent, their cgroups go from every hierarchy runc made them in
        for (Pod p : List.of(g, b)) {
            assertThat(hierarchiesWith(p)).as("hierarchies holding pod " + p.name())
                    .contains("cpu", "memory", "cpuacct", "pids", "freezer");
        }
        agent.delete(NS, g.name());
        agent.delete(NS, b.name());
        created.removeAll(List.of(g.name(), b.name()));
        await("pod cgroups removed from every hierarchy").atMost(WAIT)
                .until(() -> hierarchiesWith(g).isEmpty() && hierarchiesWith(b).isEmpty());
        assertThat(ProcessHandle.of(gPid).map(ProcessHandle::isAlive)).as("Guaranteed sleep after delete").isNotEqualTo(java.util.Optional.of(true));
        assertThat(ProcessHandle.of(bPid).map(ProcessHandle::isAlive)).as("Burstable sleep after delete").isNotEqualTo(java.util.Optional.of(true));
    }

    @Test
    void restartContainerPolicyRecreatesTheContainerWithTheNewLimits() {
        // given a Guaranteed pod whose memory resize needs a restart
        Pod p = pod("r", SLEEP, Map.of("cpu", "500m", "memory", "64Mi"), Map.of("cpu", "500m", "memory", "64Mi"),
                Map.of("memory", ResizeRestartPolicy.RESTART_CONTAINER));
        agent.create(p);
        String oldId = containerId(running(p));
        long oldPid = pid(p, oldId);

        // when its memory is resized
        long nanos = timedResize(resized(p, Map.of("cpu", "500m", "memory", "128Mi"), Map.of("cpu", "500m", "memory", "128Mi")), 2);

        // then a new container (new id, restartCount 1, attempt 1) runs with the new limit; the old one is gone
        PodView done = agent.get(NS, p.name()).orElseThrow();
        String newId = containerId(done);
        assertThat(newId).isNotEqualTo(oldId);
        assertAgentStatus(p, newId, "500m", "500m", "128Mi", 1);
        assertContainer(p, newId, 512, 50_000, 128 * MIB);
        assertPodCgroup(p, 512, 50_000, 128 * MIB);
        assertThat(cri.containerStatus(newId).getStatus().getMetadata().getAttempt()).isEqualTo(1);
        assertThat(cgroups.dirs(containerCgroup(p, oldId))).allSatisfy(dir -> assertThat(dir).doesNotExist());
        assertThat(pid(p, newId)).isNotEqualTo(oldPid);
        System.out.printf("TIMING resize with RestartContainer (64Mi -> 128Mi: StopContainer, RemoveContainer, "
                + "CreateContainer, StartContainer): update()->settled=%.1fms%n", millis(nanos));
    }

    @Test
    void memoryShrinkBelowWhatAProcessHoldsIsHeldBackByTheGuardAndRefusedByTheRuntime() {
        // given a Guaranteed pod whose process holds 40 MiB of tmpfs pages (not reclaimable: no swap)
        Pod p = pod("hog", List.of("/bin/memhog", "40"), Map.of("cpu", "250m", "memory", "128Mi"),
                Map.of("cpu", "250m", "memory", "128Mi"), Map.of());
        agent.create(p);
        String id = containerId(running(p));
        CgroupName container = containerCgroup(p, id);
        await("memhog holds 40 MiB").atMost(WAIT).until(() -> cgroups.memoryUsage(container) >= 40 * MIB);
        long pid = pid(p, id);
        Path limitFile = cgroups.file(container, "memory.limit_in_bytes");

        // when the agent is asked to shrink memory below that
        agent.update(NS, p.name(), resized(p, Map.of("cpu", "250m", "memory", "32Mi"),
                Map.of("cpu", "250m", "memory", "32Mi")), null, true, false);

        // then the guard holds it back: in progress with reason Error, the limit unchanged everywhere
        await("resize held back below usage").atMost(WAIT).until(() -> inProgressError(p).contains("below current usage"));
        PodStatus status = agent.get(NS, p.name()).orElseThrow().status();
        assertThat(status.resize()).isEqualTo("InProgress");
        System.out.printf("guard: %s%n", inProgressError(p));
        assertThat(readLong(limitFile)).isEqualTo(128 * MIB);
        assertContainer(p, id, 256, 25_000, 128 * MIB);
        assertThat(pid(p, id)).isEqualTo(pid);

        // and with the guard bypassed, containerd (runc, the kernel's EBUSY) refuses, and says so
        CriException runtime = assertThrows(CriException.class,
                () -> cri.updateContainerResources(id, criResources(256, 25_000, 16 * MIB)));
        System.out.printf("runtime, guard bypassed: %s%n", runtime.getMessage());
        assertThat(runtime.code()).isEqualTo(Status.Code.UNKNOWN);
        assertThat(runtime.runtimeMessage()).contains("unable to set memory limit to " + 16 * MIB + " (current usage: ");
        // ... and so does the kernel, to the agent's cgroup writer
        MemoryLimitBelowUsageException kernel = assertThrows(MemoryLimitBelowUsageException.class,
                () -> cgroups.set(container, new CgroupResources(null, null, null, 16 * MIB)));
        System.out.printf("kernel, guard bypassed: %s%n", kernel.getMessage());
        assertThat(kernel.getMessage()).contains("Device or resource busy").contains(limitFile.toString());
        assertThat(readLong(limitFile)).isEqualTo(128 * MIB);

        // when the resize is changed to a size the process fits in, it completes in place
        long nanos = timedResize(resized(p, Map.of("cpu", "250m", "memory", "96Mi"), Map.of("cpu", "250m", "memory", "96Mi")), 3);
        assertContainer(p, id, 256, 25_000, 96 * MIB);
        assertPodCgroup(p, 256, 25_000, 96 * MIB);
        assertAgentStatus(p, id, "250m", "250m", "96Mi", 0);
        assertThat(pid(p, id)).isEqualTo(pid);
        System.out.printf("TIMING Guaranteed down after a held-back shrink (128Mi -> 96Mi, memhog 40 MiB): "
                + "update()->settled=%.1fms%n", millis(nanos));
    }

    @Test
    void survivesAContainerdRestartAndFinishesAResizeAskedForWhileItWasDown() {
        // given a running pod
        Pod p = pod("restart", SLEEP, Map.of("cpu", "500m", "memory", "64Mi"), Map.of("cpu", "500m", "memory", "64Mi"), Map.of());
        agent.create(p);
        String id = containerId(running(p));
        long pid = pid(p, id);

        // when containerd stops, a resize is asked for, and containerd comes back
        containerd.stopDaemon();
        try {
            agent.update(NS, p.name(), resized(p, Map.of("cpu", "1", "memory", "128Mi"), Map.of("cpu", "1", "memory", "128Mi")),
                    null, true, false);
            await("resize fails while containerd is down").atMost(WAIT).until(() -> !inProgressError(p).isEmpty());
            System.out.printf("while containerd is down: %s%n", inProgressError(p));
            assertThat(agent.get(NS, p.name()).orElseThrow().status().resize()).isEqualTo("InProgress");
            assertThat(readLong(cgroups.file(containerCgroup(p, id), "memory.limit_in_bytes"))).isEqualTo(64 * MIB);
        } finally {
            containerd.startDaemon();
        }
        long back = System.nanoTime();

        // then the agent converges: the resize completes in place and the status is right
        settled(p, 2);
        System.out.printf("TIMING containerd restarted (start.sh returned; the agent may have finished during its image import) -> resize settled=%.1fms (retry backoff at most 10 s)%n",
                millis(System.nanoTime() - back));
        assertContainer(p, id, 1024, 100_000, 128 * MIB);
        assertPodCgroup(p, 1024, 100_000, 128 * MIB);
        assertAgentStatus(p, id, "1", "1", "128Mi", 0);
        assertThat(pid(p, id)).isEqualTo(pid);

        // and it keeps working with the restarted containerd
        timedResize(resized(p, Map.of("cpu", "750m", "memory", "96Mi"), Map.of("cpu", "750m", "memory", "96Mi")), 3);
        assertContainer(p, id, 768, 75_000, 96 * MIB);
        assertAgentStatus(p, id, "750m", "750m", "96Mi", 0);
        assertThat(pid(p, id)).isEqualTo(pid);
    }

    // ---- pods

    private Pod pod(String prefix, List<String> command, Map<String, String> requests, Map<String, String> limits,
            Map<String, ResizeRestartPolicy> policy) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        created.add(name);
        Container c = new Container("app", PrivateContainerd.IMAGE, command,
                new ResourceRequirements(quantities(requests), quantities(limits)), policy, null);
        // /bin/sleep as PID 1 ignores SIGTERM: the grace period is how long a stop takes (the kubelet's least, 2 s)
        return new Pod(NS, name, PodUid.of(UUID.randomUUID().toString()), 0, 0, Map.of(), List.of(), List.of(c), Map.of(),
                GRACE_SECONDS);
    }

    private static Pod resized(Pod p, Map<String, String> requests, Map<String, String> limits) {
        Container c = p.containers().get(0);
        Container next = c.withResources(new ResourceRequirements(quantities(requests), quantities(limits)));
        return new Pod(p.namespace(), p.name(), p.uid(), 0, 0, Map.of(), List.of(), List.of(next), Map.of(), GRACE_SECONDS);
    }

    private static Map<String, Quantity> quantities(Map<String, String> values) {
        Map<String, Quantity> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, Quantity.parse(v)));
        return out;
    }

    private PodView running(Pod p) {
        await(p.name() + " running").atMost(WAIT).until(() -> agent.get(NS, p.name())
                .map(v -> v.status().phase().equals("Running")).orElse(false));
        return agent.get(NS, p.name()).orElseThrow();
    }

    /** update() then wait (polling every millisecond) until the status settles at {@code generation}; returns the time. */
    private long timedResize(Pod next, long generation) {
        long start = System.nanoTime();
        agent.update(NS, next.name(), next, null, true, false);
        return settled(next, generation) - start;
    }

    /** Waits until the pod's status observed {@code generation} with nothing in progress; returns when (nanoTime). */
    private long settled(Pod p, long generation) {
        AtomicLong at = new AtomicLong();
        await(p.name() + " settled at generation " + generation).atMost(WAIT)
                .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .until(() -> {
                    boolean done = agent.get(NS, p.name()).map(v -> {
                        PodStatus s = v.status();
                        return s.observedGeneration() == generation && s.resize() == null && s.conditions().isEmpty()
                                && s.phase().equals("Running");
                    }).orElse(false);
                    if (done) {
                        at.set(System.nanoTime());
                    }
                    return done;
                });
        return at.get();
    }

    /** The message of the PodResizeInProgress condition with reason Error; empty when there is none. */
    private String inProgressError(Pod p) {
        return agent.get(NS, p.name()).orElseThrow().status().conditions().stream()
                .filter(c -> c.type().equals(PodStatus.RESIZE_IN_PROGRESS) && "Error".equals(c.reason()))
                .map(dev.resizelet.core.status.PodCondition::message).findFirst().orElse("");
    }

    private static String containerId(PodView v) {
        String id = v.status().containerStatuses().get(0).containerId();
        assertThat(id).as("container id in status").startsWith("containerd://");
        return id.substring("containerd://".length());
    }

    // ---- what the kernel, containerd and the agent show

    private CgroupName podCgroup(Pod p) {
        QosTier tier = switch (p.qosClass()) {
            case GUARANTEED -> QosTier.GUARANTEED;
            case BURSTABLE -> QosTier.BURSTABLE;
            case BEST_EFFORT -> QosTier.BESTEFFORT;
        };
        return cgroups.layout().pod(tier, p.uid().value());
    }

    private CgroupName containerCgroup(Pod p, String containerId) {
        return cgroups.layout().container(podCgroup(p), containerId);
    }

    /** The container's single process, from its cpu cgroup's cgroup.procs. */
    private long pid(Pod p, String containerId) {
        List<Long> pids = TopCgroup.pids(cgroups.file(containerCgroup(p, containerId), "cgroup.procs"));
        assertThat(pids).as("processes of container " + containerId).hasSize(1);
        return pids.get(0);
    }

    /** Container cgroup files and containerd's ContainerStatus.resources. */
    private void assertContainer(Pod p, String id, long shares, long quota, long memory) {
        CgroupName c = containerCgroup(p, id);
        assertThat(readLong(cgroups.file(c, "cpu.shares"))).as("container cpu.shares").isEqualTo(shares);
        assertThat(readLong(cgroups.file(c, "cpu.cfs_quota_us"))).as("container cpu.cfs_quota_us").isEqualTo(quota);
        assertThat(readLong(cgroups.file(c, "cpu.cfs_period_us"))).as("container cpu.cfs_period_us").isEqualTo(PERIOD);
        assertThat(readLong(cgroups.file(c, "memory.limit_in_bytes"))).as("container memory.limit_in_bytes").isEqualTo(memory);
        ContainerStatus status = cri.containerStatus(id).getStatus();
        assertThat(status.hasResources()).as("ContainerStatus.resources reported").isTrue();
        LinuxContainerResources linux = status.getResources().getLinux();
        assertThat(linux.getCpuShares()).as("containerd cpu_shares").isEqualTo(shares);
        assertThat(linux.getCpuQuota()).as("containerd cpu_quota").isEqualTo(quota);
        assertThat(linux.getCpuPeriod()).as("containerd cpu_period").isEqualTo(PERIOD);
        assertThat(linux.getMemoryLimitInBytes()).as("containerd memory_limit_in_bytes").isEqualTo(memory);
    }

    private void assertPodCgroup(Pod p, long shares, long quota, long memory) {
        CgroupName pod = podCgroup(p);
        assertThat(readLong(cgroups.file(pod, "cpu.shares"))).as("pod cpu.shares").isEqualTo(shares);
        assertThat(readLong(cgroups.file(pod, "cpu.cfs_quota_us"))).as("pod cpu.cfs_quota_us").isEqualTo(quota);
        assertThat(readLong(cgroups.file(pod, "memory.limit_in_bytes"))).as("pod memory.limit_in_bytes").isEqualTo(memory);
    }

    private void assertAgentStatus(Pod p, String id, String cpuRequest, String cpuLimit, String memoryLimit, int restarts) {
        PodView v = agent.get(NS, p.name()).orElseThrow();
        PodStatus.ContainerStatus cs = v.status().containerStatuses().get(0);
        assertThat(containerId(v)).as("status container id").isEqualTo(id);
        assertThat(cs.restartCount()).as("restartCount").isEqualTo(restarts);
        assertThat(cs.state()).isEqualTo("running");
        assertThat(cs.resources().requests()).as("status resources.requests").containsEntry("cpu", Quantity.parse(cpuRequest));
        assertThat(cs.resources().limits()).as("status resources.limits")
                .containsEntry("cpu", Quantity.parse(cpuLimit)).containsEntry("memory", Quantity.parse(memoryLimit));
        assertThat(cs.allocatedResources().requests()).as("status allocatedResources").containsEntry("cpu", Quantity.parse(cpuRequest));
    }

    /** The hierarchies under the cgroup root that hold the pod's cgroup. */
    private List<String> hierarchiesWith(Pod p) {
        String rel = podCgroup(p).asPath();
        return hierarchies().stream().filter(h -> Files.isDirectory(h.resolve(rel)))
                .map(h -> h.getFileName().toString()).toList();
    }

    /** Every pod directory below the test top, in any hierarchy. */
    private List<Path> podDirs() {
        return top.directories().stream().filter(d -> d.getFileName().toString().startsWith("pod")).toList();
    }

    private List<Path> hierarchies() {
        try (Stream<Path> list = Files.list(top.root())) {
            return list.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- timing

    private double bareUpdateMedianMillis(String id, LinuxContainerResources same) {
        int calls = 11;
        long[] nanos = new long[calls];
        for (int i = 0; i < calls; i++) {
            long start = System.nanoTime();
            cri.updateContainerResources(id, same);
            nanos[i] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        return millis(nanos[calls / 2]);
    }

    private static void printTiming(String what, long endToEndNanos, double bareMedianMillis) {
        System.out.printf("TIMING resize %s: update()->status settled=%.1fms; bare UpdateContainerResources median=%.1fms%n",
                what, millis(endToEndNanos), bareMedianMillis);
    }

    private static LinuxContainerResources criResources(long shares, long quota, long memory) {
        return LinuxContainerResources.newBuilder().setCpuShares(shares).setCpuQuota(quota).setCpuPeriod(PERIOD)
                .setMemoryLimitInBytes(memory).build();
    }

    private static long readLong(Path file) {
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
