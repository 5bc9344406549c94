package dev.resizelet.it.containerd;

import static dev.resizelet.it.containerd.RawPods.MIB;
import static dev.resizelet.it.containerd.RawPods.readLong;
import static dev.resizelet.it.containerd.RawPods.resources;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.resizelet.cri.v1.ContainerState;
import dev.resizelet.cri.v1.VersionRequest;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The private containerd's life cycle as the suite relies on it: a daemon restart keeps the
 * containers (and they stay resizable), and stopping leaves nothing behind even after a crash.
 */
@Tag("containerd")
@ExtendWith(ContainerdExtension.class)
class PrivateContainerdIT {

    private static final Duration CALL_DEADLINE = Duration.ofSeconds(30);
    private static final List<String> SLEEP = List.of("/bin/sleep", "3600");

    @Test
    void aDaemonRestartKeepsRunningContainersResizable(PrivateContainerd containerd, TopCgroup top) {
        String uid = UUID.randomUUID().toString();
        try (UnixSocketChannel channel = new UnixSocketChannel(containerd.socket());
                RawPods pods = new RawPods(channel.runtime(CALL_DEADLINE), top)) {
            // given a running container
            String id = pods.startContainer(pods.runPod(uid, "restart"), uid, "app", SLEEP, resources(256, 50_000, 64 * MIB));
            long pid = pods.onlyPid(uid, id);
            long daemon = containerd.pid();

            // when the daemon stops and starts again on the same root and state
            long t0 = System.nanoTime();
            containerd.stopDaemon();
            long t1 = System.nanoTime();
            assertThat(ProcessHandle.of(daemon).map(ProcessHandle::isAlive)).as("old daemon alive").isNotEqualTo(Optional.of(true));
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("container process alive while the daemon is down").contains(true);
            containerd.startDaemon();
            long t2 = System.nanoTime();
            // the same channel reconnects (the agent keeps its channel across a runtime restart too)
            await("CRI answers after the restart").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
                    .until(() -> pods.status(id).getState() == ContainerState.CONTAINER_RUNNING);
            System.out.printf("containerd restart: stop.sh --daemon-only=%.1fms start.sh=%.1fms then CRI answering=%.1fms%n",
                    (t1 - t0) / 1e6, (t2 - t1) / 1e6, (System.nanoTime() - t2) / 1e6);

            // then the container is the same process and still resizable in place
            assertThat(containerd.pid()).isNotEqualTo(daemon);
            pods.update(id, resources(512, 100_000, 128 * MIB));
            assertThat(readLong(top.containerDir(TopCgroup.CPU, uid, id).resolve("cpu.shares"))).isEqualTo(512);
            assertThat(readLong(top.containerDir(TopCgroup.MEMORY, uid, id).resolve("memory.limit_in_bytes"))).isEqualTo(128 * MIB);
            assertThat(pods.status(id).getResources().getLinux().getMemoryLimitInBytes()).isEqualTo(128 * MIB);
            assertThat(pods.onlyPid(uid, id)).isEqualTo(pid);
        }
    }

    @Test
    void stopLeavesNothingRunningEvenAfterTheDaemonCrashed(TopCgroup top) {
        // given a second containerd running a pod, whose daemon is then killed with SIGKILL
        PrivateContainerd crashed = PrivateContainerd.startInTempDir(ContainerdExtension.scriptsDir());
        Path dir = crashed.dir();
        String uid = UUID.randomUUID().toString();
        long pid;
        String id;
        try {
            try (UnixSocketChannel channel = new UnixSocketChannel(crashed.socket())) {
                RawPods pods = new RawPods(channel.runtime(CALL_DEADLINE), top);
                assertThat(channel.runtime(CALL_DEADLINE).version(VersionRequest.getDefaultInstance()).getRuntimeName())
                        .isEqualTo("containerd");
                id = pods.startContainer(pods.runPod(uid, "crash"), uid, "app", SLEEP, resources(256, 50_000, 64 * MIB));
                pid = pods.onlyPid(uid, id);
            }
            assertThat(processesNaming(dir)).as("shims serving " + dir).isNotEmpty();
            assertThat(mountsUnder(dir)).as("mounts under " + dir).isNotEmpty();
            ProcessHandle daemon = ProcessHandle.of(crashed.pid()).orElseThrow();
            daemon.destroyForcibly();
            await("daemon gone").atMost(Duration.ofSeconds(10)).until(() -> !daemon.isAlive());
        } finally {
            // when stopped
            crashed.close();
        }

        // then no container, shim or mount of it is left, nor its directory, nor the container cgroups
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("container process").isNotEqualTo(Optional.of(true));
        assertThat(processesNaming(dir)).as("processes naming " + dir).isEmpty();
        assertThat(mountsUnder(dir)).as("mounts under " + dir).isEmpty();
        assertThat(dir.getParent()).doesNotExist();
        assertThat(top.containerDir(TopCgroup.CPU, uid, id)).doesNotExist();
        assertThat(top.containerDir(TopCgroup.MEMORY, uid, id)).doesNotExist();
    }

    /** Processes whose command line names {@code dir} (containerd, its shims). */
    private static List<Long> processesNaming(Path dir) {
        String needle = dir.toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(args -> String.join(" ", args).contains(needle)).orElse(false)
                        || p.info().commandLine().map(c -> c.contains(needle)).orElse(false))
                .map(ProcessHandle::pid)
                .toList();
    }

    private static List<String> mountsUnder(Path dir) {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
            return lines.map(line -> line.split(" ")[4]).filter(mountPoint -> mountPoint.startsWith(dir + "/")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/mountinfo", e);
        }
    }
}
