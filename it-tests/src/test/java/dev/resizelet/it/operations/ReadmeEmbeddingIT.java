package dev.resizelet.it.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.core.NodeAgent;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.fakecri.FakeRuntime;
import dev.resizelet.fakecri.FakeRuntimeServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's embedding example, as it stands there (kept in step by hand): it compiles and passes. */
class ReadmeEmbeddingIT {
    @Test
    void resizesInPlace(@TempDir Path tmp) {
        CgroupConfig cgroups = new CgroupConfig(tmp.resolve("cgroup"), "kubepods", CgroupVersion.V1, CgroupDriver.CGROUPFS);
        FakeRuntime fake = FakeRuntime.builder().cgroups(new CgroupManager(cgroups, CgroupFs.real())).build();
        try (FakeRuntimeServer cri = FakeRuntimeServer.unixSocket(fake, tmp.resolve("cri.sock"));
             NodeAgent agent = NodeAgent.builder()
                     .criEndpoint(cri.endpoint())                  // unix:///.../cri.sock
                     .cgroups(cgroups)
                     .allocatable(4000, 8L << 30)                  // 4 CPUs, 8 GiB
                     .stateDir(tmp.resolve("state"))               // survives a restart; omit for memory only
                     .build()) {
            Function<String, Pod> web = cpu -> {
                ResourceRequirements r = new ResourceRequirements(
                        Map.of("cpu", Quantity.parse(cpu), "memory", Quantity.parse("128Mi")),
                        Map.of("cpu", Quantity.parse(cpu), "memory", Quantity.parse("128Mi")));
                Container app = new Container("app", "busybox", List.of("sleep", "3600"), r, Map.of(), null);
                return new Pod("default", "web", PodUid.of("uid-web"), 0, 0, Map.of(), List.of(), List.of(app));
            };
            agent.create(web.apply("500m"));
            long generation = agent.update("default", "web", web.apply("800m"), null, /* resize subresource */ true,
                    /* dryRun */ false).generation();

            // done: the agent has seen this generation (observedGeneration) and nothing of it is pending or in progress
            await().until(() -> {
                PodStatus s = agent.get("default", "web").orElseThrow().status();
                return s.observedGeneration() >= generation && s.resize() == null;
            });
            PodStatus.ContainerStatus status = agent.get("default", "web").orElseThrow().status().containerStatuses().get(0);
            assertThat(status.resources().limits()).containsEntry("cpu", Quantity.parse("800m"));
            assertThat(status.restartCount()).isZero();
        }
    }
}
