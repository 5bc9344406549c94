package dev.resizelet.it.containerd;

import dev.resizelet.it.daemon.Teardown;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.cgroups.QosTier;
import dev.resizelet.it.daemon.DaemonProcess;
import dev.resizelet.it.daemon.Kubectl;
import dev.resizelet.it.daemon.PodResizeE2E;
import dev.resizelet.it.daemon.PodResizeSteps;
import dev.resizelet.it.daemon.UpstreamPodResizeE2EIT;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A representative subset of the upstream e2e resize cases ({@link UpstreamPodResizeE2EIT}'s, the same steps) against
 * the REAL runtime: the daemon ({@code resizelet serve} in its own JVM) drives a private containerd 1.6.20 with runc,
 * its pods' cgroups live under a test-owned top cgroup of this machine's cgroup v1 hierarchies, and every cgroup value
 * upstream checks is read from the kernel's files ({@code cpu.shares}, {@code cpu.cfs_quota_us},
 * {@code memory.limit_in_bytes} of each container and of the pod). The subset: a Guaranteed pod with a sidecar resized
 * in place (cpu and memory, the sidecar too), a Burstable pod whose resize restarts its container (RestartContainer
 * for both), the equivalents (2m/10m to 1m/5m: the kernel holds the same shares and quota), and a memory limit below
 * what the busybox process really uses (the kernel's {@code memory.usage_in_bytes}).
 */
@Tag("containerd")
@ExtendWith(ContainerdExtension.class)
@DisplayName("Pod InPlace Resize Container on containerd 1.6.20 (test/e2e/common/node/pod_resize.go subset)")
class UpstreamPodResizeContainerdIT {
    private static final List<String> SUBSET = List.of(
            "guaranteed qos - 1 container with resize policy no restart + resize initContainers resizing cpu & mem in opposite directions",
            "burstable pods - 1 container with all requests & limits set and resize policy cpu & mem restart resizing requests & limits in opposite directions",
            "burstable pods - extended resize with equivalents [MinimumKubeletVersion:1.34]",
            "decrease memory limit below usage");

    @TempDir
    static Path dir;
    private static CgroupManager cgroups;
    private static DaemonProcess daemon;
    private static PodResizeSteps steps;
    private static final AtomicInteger PODS = new AtomicInteger();

    /** The daemon on the class's containerd and top cgroup (the extension starts them before this runs). */
    @BeforeAll
    static void start(PrivateContainerd containerd, TopCgroup top) throws Exception {
        if (!Files.isExecutable(Path.of(Kubectl.V1_32))) {
            return;
        }
        cgroups = new CgroupManager(new CgroupConfig(top.root(), top.name(), CgroupVersion.V1, CgroupDriver.CGROUPFS),
                CgroupFs.real());
        DaemonProcess.emptyKubeconfig(dir);
        daemon = DaemonProcess.start(dir.resolve("state"), "--container-runtime-endpoint", containerd.endpoint(),
                "--cgroup-mount", top.root().toString(), "--cgroup-top", top.name(), "--cgroup-version", "v1",
                "--allocatable-cpu", "4", "--allocatable-memory", "4Gi",
                "--extended-resources", PodResizeE2E.FAKE_EXTENDED_RESOURCE + "=123");
        steps = new PodResizeSteps(new Kubectl(Kubectl.V1_32, daemon.url(), dir), daemon.url(), dir, PrivateContainerd.IMAGE,
                Duration.ofSeconds(90), UpstreamPodResizeContainerdIT::containerCgroup, UpstreamPodResizeContainerdIT::podCgroup);
    }

    @AfterEach
    void deleteLeftovers() throws Exception {
        if (steps != null) {
            steps.kubectl().run("delete", "pods", "--all", "--wait=true");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        Teardown.close(daemon);
    }

    static Stream<UpstreamPodResizeE2EIT.Case> subset() {
        return UpstreamPodResizeE2EIT.cases().filter(c -> SUBSET.contains(c.name()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("subset")
    void upstreamCaseOnContainerd(UpstreamPodResizeE2EIT.Case c) throws Exception {
        assumeTrue(steps != null, "needs kubectl 1.32 (patch --subresource resize) at " + Kubectl.V1_32);
        c.body().run(steps, "resize-test-" + PODS.incrementAndGet(), (containerId, bytes) -> {
            // the busybox process's own memory is in the kernel's memory.usage_in_bytes already
        });
    }

    /** The kernel's file of a container: {@code <root>/<controller>/<top>/[tier/]pod<uid>/<containerId>/<file>}. */
    private static String containerCgroup(String podUid, String containerId, String controller, String file) throws Exception {
        for (QosTier tier : QosTier.values()) {
            CgroupName name = cgroups.layout().container(cgroups.layout().pod(tier, podUid), containerId);
            Path f = cgroups.file(name, file);
            if (Files.exists(f)) {
                return Files.readString(f);
            }
        }
        throw new AssertionError("no cgroup " + file + " for container " + containerId + " of pod " + podUid);
    }

    private static String podCgroup(JsonNode pod, String file) throws Exception {
        QosTier tier = switch (pod.at("/status/qosClass").asText()) {
            case "Guaranteed" -> QosTier.GUARANTEED;
            case "Burstable" -> QosTier.BURSTABLE;
            default -> QosTier.BESTEFFORT;
        };
        Path f = cgroups.file(cgroups.layout().pod(tier, pod.at("/metadata/uid").asText()), file);
        return Files.exists(f) ? Files.readString(f) : null;
    }
}
