package dev.resizelet.it.containerd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resizelet.cri.v1.ContainerConfig;
import dev.resizelet.cri.v1.ContainerMetadata;
import dev.resizelet.cri.v1.ContainerState;
import dev.resizelet.cri.v1.ContainerStatus;
import dev.resizelet.cri.v1.ContainerStatusRequest;
import dev.resizelet.cri.v1.CreateContainerRequest;
import dev.resizelet.cri.v1.ImageSpec;
import dev.resizelet.cri.v1.LinuxContainerConfig;
import dev.resizelet.cri.v1.LinuxContainerResources;
import dev.resizelet.cri.v1.LinuxContainerSecurityContext;
import dev.resizelet.cri.v1.LinuxPodSandboxConfig;
import dev.resizelet.cri.v1.LinuxSandboxSecurityContext;
import dev.resizelet.cri.v1.NamespaceMode;
import dev.resizelet.cri.v1.NamespaceOption;
import dev.resizelet.cri.v1.PodSandboxConfig;
import dev.resizelet.cri.v1.PodSandboxMetadata;
import dev.resizelet.cri.v1.RemovePodSandboxRequest;
import dev.resizelet.cri.v1.RunPodSandboxRequest;
import dev.resizelet.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.resizelet.cri.v1.StartContainerRequest;
import dev.resizelet.cri.v1.StopPodSandboxRequest;
import dev.resizelet.cri.v1.UpdateContainerResourcesRequest;
import dev.resizelet.cri.v1.VersionRequest;
import dev.resizelet.cri.v1.VersionResponse;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Proves the real-runtime setup with the raw generated CRI stubs, no resizelet code in between:
 * a private containerd over its Unix socket runs a real {@code sleep} in a pod cgroup below a
 * test-owned top, resizes it in place, and the kernel's cgroup files, containerd's status and the
 * unchanged PID show it.
 */
@Tag("containerd")
@ExtendWith(ContainerdExtension.class)
class RawCriContainerdIT {

    private static final Duration CALL_DEADLINE = Duration.ofSeconds(30);
    private static final long MIB = 1024 * 1024;
    private static final long PERIOD = 100_000;

    private final List<String> sandboxes = new ArrayList<>();
    private UnixSocketChannel channel;
    private RuntimeServiceBlockingStub cri;

    @BeforeEach
    void connect(PrivateContainerd containerd) {
        channel = new UnixSocketChannel(containerd.socket());
        cri = channel.runtime(CALL_DEADLINE);
    }

    @AfterEach
    void removeSandboxes() {
        try {
            for (String id : sandboxes) {
                cri.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
                cri.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
            }
        } finally {
            channel.close();
        }
    }

    @Test
    void answersVersionOverTheUnixSocket() {
        VersionResponse version = cri.version(VersionRequest.newBuilder().setVersion("v1").build());

        assertThat(version.getRuntimeName()).isEqualTo("containerd");
        assertThat(version.getRuntimeApiVersion()).isEqualTo("v1");
        System.out.printf("containerd runtime_version=%s runtime_api_version=%s%n",
                version.getRuntimeVersion(), version.getRuntimeApiVersion());
    }

    @Test
    void resizesARunningContainerInPlace(TopCgroup top) throws IOException {
        // given a sleep container with 250m request, 500m limit, 64Mi limit in a pod below the top
        String uid = UUID.randomUUID().toString();
        long t0 = System.nanoTime();
        String sandbox = runPod(top, uid, "resize");
        long t1 = System.nanoTime();
        String id = createContainer(sandbox, top, uid, "app", List.of("/bin/sleep", "3600"), resources(256, 50_000, 64 * MIB));
        long t2 = System.nanoTime();
        cri.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        long t3 = System.nanoTime();
        System.out.printf("RunPodSandbox=%.1fms CreateContainer=%.1fms StartContainer=%.1fms%n",
                millis(t1 - t0), millis(t2 - t1), millis(t3 - t2));
        assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertCgroup(top, uid, id, 256, 50_000, 64 * MIB);
        long pid = onlyPid(top, uid, id);
        assertThat(Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ').trim())
                .isEqualTo("/bin/sleep 3600");

        // when resized up, then down
        update(id, resources(512, 100_000, 128 * MIB));
        assertCgroup(top, uid, id, 512, 100_000, 128 * MIB);
        assertStatusResources(id, 512, 100_000, 128 * MIB);

        update(id, resources(102, 20_000, 32 * MIB));

        // then the kernel's files and containerd's status show the new values, and no restart happened
        assertCgroup(top, uid, id, 102, 20_000, 32 * MIB);
        assertStatusResources(id, 102, 20_000, 32 * MIB);
        assertThat(onlyPid(top, uid, id)).as("container PID after two resizes").isEqualTo(pid);
        assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        // containerd sets swap = memory when no swap limit is sent
        assertThat(readLong(top.containerDir(TopCgroup.MEMORY, uid, id).resolve("memory.memsw.limit_in_bytes")))
                .isEqualTo(32 * MIB);
    }

    @Test
    void timesTheBareUpdateContainerResourcesCall(TopCgroup top) {
        String uid = UUID.randomUUID().toString();
        String sandbox = runPod(top, uid, "timing");
        String id = createContainer(sandbox, top, uid, "app", List.of("/bin/sleep", "3600"), resources(256, 50_000, 64 * MIB));
        cri.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        long pid = onlyPid(top, uid, id);

        int calls = 21;
        long[] nanos = new long[calls];
        for (int i = 0; i < calls; i++) {
            boolean up = i % 2 == 0;
            LinuxContainerResources target = up ? resources(512, 100_000, 128 * MIB) : resources(256, 50_000, 64 * MIB);
            long start = System.nanoTime();
            update(id, target);
            nanos[i] = System.nanoTime() - start;
        }

        assertCgroup(top, uid, id, 512, 100_000, 128 * MIB);
        assertThat(onlyPid(top, uid, id)).isEqualTo(pid);
        long[] sorted = Arrays.copyOfRange(nanos, 1, calls); // the first call warms the channel
        Arrays.sort(sorted);
        System.out.printf("UpdateContainerResources over %d calls: first=%.1fms median=%.1fms p99=%.1fms min=%.1fms max=%.1fms%n",
                sorted.length, millis(nanos[0]), millis(sorted[sorted.length / 2]),
                millis(sorted[(int) Math.ceil(0.99 * sorted.length) - 1]), millis(sorted[0]), millis(sorted[sorted.length - 1]));
    }

    @Test
    void memhogHoldsRealMemoryAndTheKernelRefusesALimitBelowIt(TopCgroup top) {
        // given a container whose process holds 48 MiB in its /dev/shm tmpfs
        String uid = UUID.randomUUID().toString();
        String sandbox = runPod(top, uid, "hog");
        String id = createContainer(sandbox, top, uid, "hog", List.of("/bin/memhog", "48"), resources(256, 50_000, 128 * MIB));
        cri.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        Path usage = top.containerDir(TopCgroup.MEMORY, uid, id).resolve("memory.usage_in_bytes");
        await("memhog fills 48 MiB").atMost(Duration.ofSeconds(20)).until(() -> readLong(usage) >= 48 * MIB);
        long pid = onlyPid(top, uid, id);
        System.out.printf("memhog usage=%d bytes (%.1f MiB)%n", readLong(usage), readLong(usage) / (double) MIB);

        // when the memory limit is lowered below what the process holds
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> update(id, resources(256, 50_000, 16 * MIB)));

        // then the runtime reports the kernel's EBUSY (runc 1.1 words it with the usage), the limit is
        // unchanged and the process lives on
        System.out.printf("shrink below usage: %s%n", refused.getStatus());
        assertThat(refused.getStatus().getDescription())
                .contains("unable to set memory limit to " + 16 * MIB + " (current usage: ");
        assertThat(readLong(top.containerDir(TopCgroup.MEMORY, uid, id).resolve("memory.limit_in_bytes"))).isEqualTo(128 * MIB);
        assertThat(onlyPid(top, uid, id)).isEqualTo(pid);
        assertThat(readLong(usage)).isGreaterThanOrEqualTo(48 * MIB);
        assertStatusResources(id, 256, 50_000, 128 * MIB);
    }

    // --- CRI helpers ---

    private String runPod(TopCgroup top, String uid, String name) {
        top.createPod(uid); // the agent owns the pod cgroup and creates it before RunPodSandbox
        String id = cri.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(sandboxConfig(top, uid, name)).build())
                .getPodSandboxId();
        sandboxes.add(id);
        return id;
    }

    private String createContainer(String sandbox, TopCgroup top, String uid, String name, List<String> command,
            LinuxContainerResources resources) {
        ContainerConfig config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(PrivateContainerd.IMAGE))
                .addAllCommand(command)
                .setLinux(LinuxContainerConfig.newBuilder().setResources(resources)
                        .setSecurityContext(LinuxContainerSecurityContext.newBuilder().setNamespaceOptions(hostNetwork())))
                .build();
        return cri.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sandbox).setConfig(config)
                .setSandboxConfig(sandboxConfig(top, uid, "unused")).build()).getContainerId();
    }

    /** Host network: no hostname (runc cannot set one without a private UTS namespace). */
    private static PodSandboxConfig sandboxConfig(TopCgroup top, String uid, String name) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setUid(uid).setNamespace("default"))
                .putAllLabels(Map.of("resizelet.dev/test", "raw-cri"))
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(top.podParent(uid))
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(hostNetwork())))
                .build();
    }

    /** No CNI here: host network; own PID namespace per container, pod IPC, as the kubelet's defaults. */
    private static NamespaceOption hostNetwork() {
        return NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE).setPid(NamespaceMode.CONTAINER)
                .setIpc(NamespaceMode.POD).build();
    }

    private static LinuxContainerResources resources(long shares, long quota, long memory) {
        return LinuxContainerResources.newBuilder().setCpuShares(shares).setCpuQuota(quota).setCpuPeriod(PERIOD)
                .setMemoryLimitInBytes(memory).build();
    }

    private void update(String id, LinuxContainerResources resources) {
        cri.updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(id).setLinux(resources).build());
    }

    private ContainerStatus status(String id) {
        return cri.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus();
    }

    // --- assertions on the kernel's files and containerd's status ---

    private static void assertCgroup(TopCgroup top, String uid, String id, long shares, long quota, long memory) {
        Path cpu = top.containerDir(TopCgroup.CPU, uid, id);
        Path mem = top.containerDir(TopCgroup.MEMORY, uid, id);
        assertThat(readLong(cpu.resolve("cpu.shares"))).as("cpu.shares").isEqualTo(shares);
        assertThat(readLong(cpu.resolve("cpu.cfs_quota_us"))).as("cpu.cfs_quota_us").isEqualTo(quota);
        assertThat(readLong(cpu.resolve("cpu.cfs_period_us"))).as("cpu.cfs_period_us").isEqualTo(PERIOD);
        assertThat(readLong(mem.resolve("memory.limit_in_bytes"))).as("memory.limit_in_bytes").isEqualTo(memory);
    }

    private void assertStatusResources(String id, long shares, long quota, long memory) {
        ContainerStatus status = status(id);
        assertThat(status.hasResources()).as("ContainerStatus.resources reported").isTrue();
        LinuxContainerResources linux = status.getResources().getLinux();
        assertThat(linux.getCpuShares()).as("status cpu_shares").isEqualTo(shares);
        assertThat(linux.getCpuQuota()).as("status cpu_quota").isEqualTo(quota);
        assertThat(linux.getCpuPeriod()).as("status cpu_period").isEqualTo(PERIOD);
        assertThat(linux.getMemoryLimitInBytes()).as("status memory_limit_in_bytes").isEqualTo(memory);
    }

    private static long onlyPid(TopCgroup top, String uid, String id) {
        List<Long> pids = TopCgroup.pids(top.containerDir(TopCgroup.CPU, uid, id).resolve("cgroup.procs"));
        assertThat(pids).as("processes in container " + id).hasSize(1);
        return pids.get(0);
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
