package dev.resizelet.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.v1.ContainerMetadata;
import dev.resizelet.cri.v1.ContainerResources;
import dev.resizelet.cri.v1.ContainerState;
import dev.resizelet.cri.v1.ContainerStatus;
import dev.resizelet.cri.v1.ContainerStatusResponse;
import dev.resizelet.cri.v1.LinuxContainerResources;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A ContainerStatus answer that says nothing new gives back the container the pod has (and so the pod itself). */
class StatusReaderTest {
    @TempDir
    Path root;

    private static ContainerStatusResponse answer(long shares) {
        return ContainerStatusResponse.newBuilder().setStatus(ContainerStatus.newBuilder().setId("c1")
                .setMetadata(ContainerMetadata.newBuilder().setName("app").setAttempt(1))
                .setState(ContainerState.CONTAINER_RUNNING).setStartedAt(1_700_000_000_000_000_000L)
                .setResources(ContainerResources.newBuilder().setLinux(LinuxContainerResources.newBuilder()
                        .setCpuShares(shares).setCpuPeriod(100_000).setCpuQuota(50_000)
                        .setMemoryLimitInBytes(256L << 20)))).build();
    }

    @Test
    void anUnchangedAnswerKeepsTheKnownContainerAndAChangedOneIsSeen() {
        StatusReader reader = new StatusReader(noCalls(), new CgroupManager(
                new CgroupConfig(root, "kubepods", CgroupVersion.V1, CgroupDriver.CGROUPFS), CgroupFs.real()));
        RunningPod empty = new RunningPod(PodUid.of("u1"), "sb", CgroupName.parse("/kubepods/podu1"), List.of());
        RunningPod pod = empty.with(reader.convert(empty, "app", "c1", 128L << 20, answer(256)));

        RunningContainer again = reader.convert(pod, "app", "c1", 128L << 20, answer(256));
        RunningContainer grown = reader.convert(pod, "app", "c1", 128L << 20, answer(512));

        assertThat(again).isSameAs(pod.containers().get(0));
        assertThat(pod.with(again)).isSameAs(pod);
        assertThat(grown.actual().cpuRequestMilli()).isEqualTo(500);
        assertThat(pod.with(grown).containers()).containsExactly(grown);
    }

    /** A runtime that is never called: the answers are handed in. */
    private static CriRuntime noCalls() {
        return (CriRuntime) Proxy.newProxyInstance(CriRuntime.class.getClassLoader(), new Class<?>[] {CriRuntime.class},
                (proxy, method, args) -> {
                    throw new AssertionError("unexpected call " + method.getName());
                });
    }
}
