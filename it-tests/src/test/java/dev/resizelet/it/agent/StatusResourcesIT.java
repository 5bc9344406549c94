package dev.resizelet.it.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.resizelet.core.NodeAgent;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** status.containerStatuses[].resources as the 1.35 kubelet reports them, through the agent and the fake runtime. */
class StatusResourcesIT {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private RuntimeHarness h;
    private NodeAgent agent;

    @BeforeEach
    void start() {
        h = new RuntimeHarness(dir, b -> { });
        agent = NodeAgent.builder().runtime(h.client).cgroups(h.cgroupConfig).allocatable(4000, 8L << 30)
                .relistInterval(Duration.ofMillis(200)).build();
    }

    @AfterEach
    void stop() {
        agent.close();
        h.close();
    }

    private static Map<String, Quantity> list(String... kv) {
        Map<String, Quantity> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], Quantity.parse(kv[i + 1]));
        }
        return m;
    }

    private static Pod pod(String name, ResourceRequirements r) {
        return new Pod("default", name, PodUid.of("uid-" + name), 0, 0, Map.of(), List.of(),
                List.of(new Container("app", "busybox", List.of("sleep", "3600"), r, Map.of(), null)));
    }

    private PodStatus.ContainerStatus settled(String name, long generation) {
        await().atMost(WAIT).until(() -> agent.get("default", name).map(v -> v.status().phase().equals("Running")
                && v.status().observedGeneration() == generation && v.status().resize() == null
                && v.status().conditions().isEmpty()).orElse(false));
        PodView v = agent.get("default", name).orElseThrow();
        return v.status().containerStatuses().get(0);
    }

    @Test
    void aMemoryOnlyContainerShowsNoCpuRequest() {
        agent.create(pod("mem", new ResourceRequirements(list("memory", "128Mi"), list("memory", "256Mi"))));

        PodStatus.ContainerStatus cs = settled("mem", 1);

        assertThat(cs.resources()).isEqualTo(new ResourceRequirements(list("memory", "128Mi"), list("memory", "256Mi")));
    }

    @Test
    void aBestEffortContainerShowsNoResources() {
        agent.create(pod("be", ResourceRequirements.NONE));

        PodStatus.ContainerStatus cs = settled("be", 1);

        assertThat(cs.resources().requests()).isEmpty();
        assertThat(cs.resources().limits()).isEmpty();
    }

    @Test
    void extendedResourcesAndEphemeralStorageAreCopiedFromTheAllocation() {
        ResourceRequirements r = new ResourceRequirements(
                list("cpu", "100m", "memory", "64Mi", "ephemeral-storage", "1Gi", "example.com/dongle", "1"),
                list("cpu", "200m", "memory", "64Mi", "ephemeral-storage", "2Gi", "example.com/dongle", "1"));
        agent.create(pod("ext", r));

        PodStatus.ContainerStatus cs = settled("ext", 1);

        assertThat(cs.resources()).isEqualTo(r);
    }

    @Test
    void aResizeBetweenEquivalentMinimumsCompletesAndShowsTheNewValues() {
        agent.create(pod("tiny", new ResourceRequirements(list("cpu", "2m", "memory", "64Mi"), list("cpu", "10m", "memory", "64Mi"))));
        settled("tiny", 1);

        agent.update("default", "tiny", pod("tiny", new ResourceRequirements(list("cpu", "1m", "memory", "64Mi"),
                list("cpu", "5m", "memory", "64Mi"))), null, true, false);
        PodStatus.ContainerStatus cs = settled("tiny", 2);

        assertThat(cs.resources()).isEqualTo(new ResourceRequirements(list("cpu", "1m", "memory", "64Mi"),
                list("cpu", "5m", "memory", "64Mi")));
        assertThat(cs.allocatedResources().requests()).containsEntry("cpu", Quantity.parse("1m"));
    }
}
