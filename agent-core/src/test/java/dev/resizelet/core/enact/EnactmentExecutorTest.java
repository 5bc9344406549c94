package dev.resizelet.core.enact;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.cgroups.CgroupWrite;
import dev.resizelet.cgroups.QosTier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnactmentExecutorTest {
    private static final long MI = 1024 * 1024;

    @TempDir
    Path root;

    private CgroupManager cgroups;
    private final List<String> log = new ArrayList<>();
    private String failOn;

    private final PodRuntimeOps ops = new PodRuntimeOps() {
        @Override
        public void updateContainer(String containerId, ResourceValues values) {
            call("update " + containerId + " " + values);
        }

        @Override
        public boolean updateSandbox(CgroupResources podValues) {
            call("sandbox");
            return false;
        }

        @Override
        public void stopAndRemove(String containerId) {
            call("stop " + containerId);
        }

        @Override
        public String createAndStart(String containerName, ResourceValues values) {
            call("create " + containerName);
            return "new-" + containerName;
        }
    };

    private final ActuationListener listener = new ActuationListener() {
        @Override
        public void actuated(String container, ResourceValues values) {
            log.add("actuated " + container + " " + values);
        }

        @Override
        public void removed(String container) {
            log.add("removed " + container);
        }

        @Override
        public void recreated(String container, String newContainerId, ResourceValues values) {
            log.add("recreated " + container + " as " + newContainerId);
        }
    };

    private void call(String what) {
        log.add(what);
        if (failOn != null && what.startsWith(failOn)) {
            throw new IllegalStateException("CRI failed: " + what);
        }
    }

    @BeforeEach
    void setUp() {
        cgroups = new CgroupManager(new CgroupConfig(root, "kubepods", CgroupVersion.V1, CgroupDriver.CGROUPFS),
                CgroupFs.real());
        cgroups.addListener((CgroupWrite w) -> log.add("write " + w.file().getFileName() + "=" + w.value()));
    }

    private PodEnactment pod(ContainerEnactment... cs) {
        CgroupName podCg = CgroupName.of("kubepods", "podu1");
        cgroups.create(podCg);
        List<ContainerEnactment> list = List.of(cs);
        return new PodEnactment("u1", QosTier.GUARANTEED, podCg, "sb",
                PodCgroupConfig.forPod(QosTier.GUARANTEED, list.stream().map(ContainerEnactment::actuated).toList()),
                list);
    }

    private static ResourceValues g(long cpu, long memMi) {
        return new ResourceValues(cpu, cpu, memMi * MI, memMi * MI);
    }

    @Test
    void runsEveryStepAndReportsEachSuccess() {
        PodEnactment p = pod(new ContainerEnactment("a", "ida", g(100, 64), g(200, 128),
                ResizePolicy.NOT_REQUIRED, ResizePolicy.NOT_REQUIRED));

        PassOutcome outcome = new EnactmentExecutor(cgroups).execute(p, EnactmentPlanner.plan(p), ops, listener);

        assertThat(outcome).isInstanceOf(PassOutcome.Completed.class);
        assertThat(log).containsExactly(
                "write memory.limit_in_bytes=" + 128 * MI,
                "write cpu.cfs_period_us=100000",
                "write cpu.cfs_quota_us=20000",
                "write cpu.shares=204",
                "update ida " + g(200, 128),
                "actuated a " + g(200, 128),
                "sandbox");
    }

    @Test
    void firstFailureEndsThePassAndNothingAfterItIsRecorded() {
        PodEnactment p = pod(new ContainerEnactment("a", "ida", g(100, 64), g(200, 128),
                ResizePolicy.NOT_REQUIRED, ResizePolicy.NOT_REQUIRED));
        failOn = "update ida";

        PassOutcome outcome = new EnactmentExecutor(cgroups).execute(p, EnactmentPlanner.plan(p), ops, listener);

        assertThat(outcome).isInstanceOfSatisfying(PassOutcome.Failed.class, f -> {
            assertThat(f.message()).startsWith("CRI failed: update ida");
            assertThat(f.belowUsage()).isFalse();
        });
        assertThat(log).containsExactly("write memory.limit_in_bytes=" + 128 * MI, "write cpu.cfs_period_us=100000",
                "write cpu.cfs_quota_us=20000", "write cpu.shares=204", "update ida " + g(200, 128));
    }

    @Test
    void usageAtTheNewLimitHoldsTheShrinkBackBeforeAnyWrite() {
        PodEnactment p = pod(new ContainerEnactment("a", "ida", g(100, 128), g(100, 64),
                ResizePolicy.NOT_REQUIRED, ResizePolicy.NOT_REQUIRED));
        CgroupName container = cgroups.layout().container(p.podCgroup(), "ida");
        cgroups.create(container);
        cgroups.apply(List.of(new CgroupWrite(cgroups.memoryUsageFile(container), Long.toString(64 * MI))));
        log.clear();

        PassOutcome outcome = new EnactmentExecutor(cgroups).execute(p, EnactmentPlanner.plan(p), ops, listener);

        assertThat(outcome).isInstanceOfSatisfying(PassOutcome.Failed.class, f -> {
            assertThat(f.message()).isEqualTo("memory limit (" + 64 * MI + ") below current usage (" + 64 * MI
                    + ") of container a");
            assertThat(f.belowUsage()).isTrue();
        });
        assertThat(log).isEmpty();
    }

    @Test
    void restartStopsThenRecreatesWithTheNewId() {
        PodEnactment p = pod(new ContainerEnactment("a", "ida", g(100, 64), g(100, 128),
                ResizePolicy.NOT_REQUIRED, ResizePolicy.RESTART_CONTAINER));

        new EnactmentExecutor(cgroups).execute(p, EnactmentPlanner.plan(p), ops, listener);

        assertThat(log).containsExactly(
                "stop ida", "removed a",
                "write memory.limit_in_bytes=" + 128 * MI,
                "sandbox",
                "create a", "recreated a as new-a");
    }
}
