package dev.resizelet.it.containerd;

import static dev.resizelet.it.containerd.RawPods.MIB;
import static dev.resizelet.it.containerd.RawPods.PERIOD;
import static dev.resizelet.it.containerd.RawPods.readLong;
import static dev.resizelet.it.containerd.RawPods.resources;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resizelet.cri.v1.ContainerState;
import dev.resizelet.cri.v1.ContainerStatus;
import dev.resizelet.cri.v1.LinuxContainerResources;
import dev.resizelet.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.resizelet.cri.v1.VersionRequest;
import dev.resizelet.cri.v1.VersionResponse;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
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
    private static final List<String> SLEEP = List.of("/bin/sleep", "3600");

    private final TopCgroup top;
    private UnixSocketChannel channel;
    private RuntimeServiceBlockingStub cri;
    private RawPods pods;

    RawCriContainerdIT(TopCgroup top) {
        this.top = top;
    }

    @BeforeEach
    void connect(PrivateContainerd containerd) {
        channel = new UnixSocketChannel(containerd.socket());
        cri = channel.runtime(CALL_DEADLINE);
        pods = new RawPods(cri, top);
    }

    @AfterEach
    void removePods() {
        try (UnixSocketChannel closing = channel) {
            pods.close();
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
    void resizesARunningContainerInPlace() throws IOException {
        // given a sleep container with 250m request, 500m limit, 64Mi limit in a pod below the top
        String uid = UUID.randomUUID().toString();
        long t0 = System.nanoTime();
        String sandbox = pods.runPod(uid, "resize");
        long t1 = System.nanoTime();
        String id = pods.startContainer(sandbox, uid, "app", SLEEP, resources(256, 50_000, 64 * MIB));
        long t2 = System.nanoTime();
        System.out.printf("RunPodSandbox=%.1fms CreateContainer+StartContainer=%.1fms%n", millis(t1 - t0), millis(t2 - t1));
        assertThat(pods.status(id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertCgroup(uid, id, 256, 50_000, 64 * MIB);
        long pid = pods.onlyPid(uid, id);
        assertThat(Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ').trim())
                .isEqualTo("/bin/sleep 3600");

        // when resized up, then down
        pods.update(id, resources(512, 100_000, 128 * MIB));
        assertCgroup(uid, id, 512, 100_000, 128 * MIB);
        assertStatusResources(id, 512, 100_000, 128 * MIB);

        pods.update(id, resources(102, 20_000, 32 * MIB));

        // then the kernel's files and containerd's status show the new values, and no restart happened
        assertCgroup(uid, id, 102, 20_000, 32 * MIB);
        assertStatusResources(id, 102, 20_000, 32 * MIB);
        assertThat(pods.onlyPid(uid, id)).as("container PID after two resizes").isEqualTo(pid);
        assertThat(pods.status(id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        // containerd sets swap = memory when no swap limit is sent
        assertThat(readLong(top.containerDir(TopCgroup.MEMORY, uid, id).resolve("memory.memsw.limit_in_bytes")))
                .isEqualTo(32 * MIB);
        // runc created the pod cgroup's parents with no limits; the pod cgroup is ours to write
        assertThat(readLong(top.podDir(TopCgroup.MEMORY, uid).resolve("memory.limit_in_bytes"))).isGreaterThan(1L << 40);
        assertThat(readLong(top.podDir(TopCgroup.CPU, uid).resolve("cpu.cfs_quota_us"))).isEqualTo(-1);
        // ... and in every other v1 hierarchy too: removing the pod means removing it there as well
        for (String hierarchy : List.of("cpuacct", "cpuset", "pids", "blkio", "devices", "freezer", "systemd")) {
            assertThat(top.podDir(hierarchy, uid)).as("pod cgroup runc created in " + hierarchy).isDirectory();
        }
    }

    @Test
    void timesTheBareUpdateContainerResourcesCall() {
        String uid = UUID.randomUUID().toString();
        String id = pods.startContainer(pods.runPod(uid, "timing"), uid, "app", SLEEP, resources(256, 50_000, 64 * MIB));
        long pid = pods.onlyPid(uid, id);

        int calls = 21;
        long[] nanos = new long[calls];
        for (int i = 0; i < calls; i++) {
            LinuxContainerResources target = i % 2 == 0 ? resources(512, 100_000, 128 * MIB) : resources(256, 50_000, 64 * MIB);
            long start = System.nanoTime();
            pods.update(id, target);
            nanos[i] = System.nanoTime() - start;
        }

        assertCgroup(uid, id, 512, 100_000, 128 * MIB);
        assertThat(pods.onlyPid(uid, id)).isEqualTo(pid);
        long[] sorted = Arrays.copyOfRange(nanos, 1, calls); // the first call warms the channel
        Arrays.sort(sorted);
        System.out.printf("UpdateContainerResources over %d calls: first=%.1fms median=%.1fms p99=%.1fms min=%.1fms max=%.1fms%n",
                sorted.length, millis(nanos[0]), millis(sorted[sorted.length / 2]),
                millis(sorted[(int) Math.ceil(0.99 * sorted.length) - 1]), millis(sorted[0]), millis(sorted[sorted.length - 1]));
    }

    @Test
    void memhogHoldsRealMemoryAndTheKernelRefusesALimitBelowIt() {
        // given a container whose process holds 48 MiB in its /dev/shm tmpfs
        String uid = UUID.randomUUID().toString();
        String id = pods.startContainer(pods.runPod(uid, "hog"), uid, "hog", List.of("/bin/memhog", "48"),
                resources(256, 50_000, 128 * MIB));
        Path usage = top.containerDir(TopCgroup.MEMORY, uid, id).resolve("memory.usage_in_bytes");
        await("memhog fills 48 MiB").atMost(Duration.ofSeconds(20)).until(() -> readLong(usage) >= 48 * MIB);
        long pid = pods.onlyPid(uid, id);
        System.out.printf("memhog usage=%d bytes (%.1f MiB)%n", readLong(usage), readLong(usage) / (double) MIB);

        // when the memory limit is lowered below what the process holds
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> pods.update(id, resources(256, 50_000, 16 * MIB)));

        // then the runtime reports the kernel's EBUSY (runc 1.1 words it with the usage), the limit is
        // unchanged, containerd's status keeps the old value and the process lives on
        System.out.printf("shrink below usage: %s%n", refused.getStatus());
        assertThat(refused.getStatus().getDescription())
                .contains("unable to set memory limit to " + 16 * MIB + " (current usage: ");
        assertThat(readLong(top.containerDir(TopCgroup.MEMORY, uid, id).resolve("memory.limit_in_bytes"))).isEqualTo(128 * MIB);
        assertStatusResources(id, 256, 50_000, 128 * MIB);
        assertThat(pods.onlyPid(uid, id)).isEqualTo(pid);
        assertThat(readLong(usage)).isGreaterThanOrEqualTo(48 * MIB);
    }

    private void assertCgroup(String uid, String id, long shares, long quota, long memory) {
        Path cpu = top.containerDir(TopCgroup.CPU, uid, id);
        Path mem = top.containerDir(TopCgroup.MEMORY, uid, id);
        assertThat(readLong(cpu.resolve("cpu.shares"))).as("cpu.shares").isEqualTo(shares);
        assertThat(readLong(cpu.resolve("cpu.cfs_quota_us"))).as("cpu.cfs_quota_us").isEqualTo(quota);
        assertThat(readLong(cpu.resolve("cpu.cfs_period_us"))).as("cpu.cfs_period_us").isEqualTo(PERIOD);
        assertThat(readLong(mem.resolve("memory.limit_in_bytes"))).as("memory.limit_in_bytes").isEqualTo(memory);
    }

    private void assertStatusResources(String id, long shares, long quota, long memory) {
        ContainerStatus status = pods.status(id);
        assertThat(status.hasResources()).as("ContainerStatus.resources reported").isTrue();
        LinuxContainerResources linux = status.getResources().getLinux();
        assertThat(linux.getCpuShares()).as("status cpu_shares").isEqualTo(shares);
        assertThat(linux.getCpuQuota()).as("status cpu_quota").isEqualTo(quota);
        assertThat(linux.getCpuPeriod()).as("status cpu_period").isEqualTo(PERIOD);
        assertThat(linux.getMemoryLimitInBytes()).as("status memory_limit_in_bytes").isEqualTo(memory);
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
