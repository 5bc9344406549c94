package dev.resizelet.core.enact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupException;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupModeDetector;
import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.cgroups.CgroupWriteException;
import dev.resizelet.cgroups.CpuConversions;
import dev.resizelet.cgroups.QosTier;
import dev.resizelet.core.model.PodUid;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one safe-order planner ({@link EnactmentPlanner}) against the real kernel's cgroup v1 rules: a container's CFS
 * quota may never exceed its parent's, so a grow that updated the container first is refused, while the planned
 * order (every pod value up first, one update per container, pod values down last) is accepted in both directions.
 * The "runtime" here writes the container cgroup as runc would. Runs as root on a v1 or hybrid host; skipped
 * elsewhere with the reason.
 */
class EnactmentKernelTest {
    private static final Path ROOT = CgroupModeDetector.DEFAULT_ROOT;
    private static final long MIB = 1024 * 1024;

    private CgroupManager m;
    private CgroupName pod;
    private CgroupName container;

    @BeforeAll
    static void requireRootOnCgroupV1() {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "cgroups exist on Linux only");
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to create cgroups under " + ROOT);
        CgroupVersion version;
        try {
            version = CgroupModeDetector.detectHost().version();
        } catch (CgroupException e) {
            assumeTrue(false, "no usable cgroup hierarchy: " + e.getMessage());
            return;
        }
        assumeTrue(version == CgroupVersion.V1, "needs cgroup v1 cpu and memory mounts under " + ROOT);
        assumeTrue(Files.isWritable(ROOT.resolve("cpu")) && Files.isWritable(ROOT.resolve("memory")),
                ROOT + "/cpu and " + ROOT + "/memory are not writable");
    }

    @BeforeEach
    void ownHierarchy() {
        String top = "resizelet-test-" + UUID.randomUUID().toString().substring(0, 8);
        m = new CgroupManager(new CgroupConfig(ROOT, top, CgroupVersion.V1, CgroupDriver.CGROUPFS), CgroupFs.real());
        pod = m.layout().pod(QosTier.GUARANTEED, UUID.randomUUID().toString());
        container = m.layout().container(pod, "c1");
        m.create(container);
    }

    @AfterEach
    void removeEverythingTheTestCreated() {
        m.removeTree(m.layout().top());
        assertThat(m.exists(m.layout().top())).as("test hierarchy removed").isFalse();
    }

    /** Writes the container cgroup as runc does for UpdateContainerResources. */
    private final PodRuntimeOps runc = new PodRuntimeOps() {
        @Override
        public void updateContainer(String containerId, ResourceValues v) {
            m.set(container, new CgroupResources(CpuConversions.milliCpuToShares(v.effectiveCpuRequestMilli()),
                    v.cpuLimitMilli() > 0 ? CpuConversions.milliCpuToQuota(v.cpuLimitMilli(), 100_000L) : CgroupResources.UNLIMITED,
                    100_000L, v.memoryLimitBytes() > 0 ? v.memoryLimitBytes() : CgroupResources.UNLIMITED));
        }

        @Override
        public boolean updateSandbox(CgroupResources podValues) {
            return false;
        }

        @Override
        public void stopAndRemove(String containerId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String createAndStart(String containerName, ResourceValues values) {
            throw new UnsupportedOperationException();
        }
    };

    private PodEnactment pass(ResourceValues from, ResourceValues to) {
        ContainerEnactment c = new ContainerEnactment("c1", "c1", from, to, ResizePolicy.NOT_REQUIRED,
                ResizePolicy.NOT_REQUIRED);
        return new PodEnactment(PodUid.of("u1"), QosTier.GUARANTEED, pod, "sb", m.read(pod), List.of(c));
    }

    private static ResourceValues g(long cpu, long memMi) {
        return new ResourceValues(cpu, cpu, memMi * MIB, memMi * MIB);
    }

    @Test
    void theKernelAcceptsThePlannedOrderBothWaysAndRefusesTheContainerFirst() {
        ResourceValues small = g(500, 256);
        ResourceValues big = g(1000, 512);
        m.set(pod, PodCgroupConfig.forPod(QosTier.GUARANTEED, List.of(small)));
        runc.updateContainer("c1", small);

        // v1 CFS refuses a child quota above its parent's: updating the container before the pod fails
        assertThatThrownBy(() -> runc.updateContainer("c1", big))
                .isInstanceOf(CgroupWriteException.class)
                .hasMessageContaining("cpu.cfs_quota_us failed: Invalid argument");

        PodEnactment grow = pass(small, big);
        PassOutcome up = new EnactmentExecutor(m).execute(grow, EnactmentPlanner.plan(grow), runc, new NoListener());
        assertThat(up).isInstanceOf(PassOutcome.Completed.class);
        assertThat(m.read(pod)).isEqualTo(new CgroupResources(1024L, 100_000L, 100_000L, 512 * MIB));
        assertThat(m.read(container)).isEqualTo(new CgroupResources(1024L, 100_000L, 100_000L, 512 * MIB));

        PodEnactment shrink = pass(big, small);
        PassOutcome down = new EnactmentExecutor(m).execute(shrink, EnactmentPlanner.plan(shrink), runc, new NoListener());
        assertThat(down).isInstanceOf(PassOutcome.Completed.class);
        assertThat(m.read(pod)).isEqualTo(new CgroupResources(512L, 50_000L, 100_000L, 256 * MIB));
        assertThat(m.read(container)).isEqualTo(new CgroupResources(512L, 50_000L, 100_000L, 256 * MIB));
    }

    private static final class NoListener implements ActuationListener {
        @Override
        public void actuated(String container, ResourceValues values) {
        }

        @Override
        public void removed(String container) {
        }

        @Override
        public void recreated(String container, String newContainerId, ResourceValues values) {
        }
    }
}
