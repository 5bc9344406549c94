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
import dev.resizelet.core.model.PodUid;
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
        return new PodEnactment(PodUid.of("u1"), QosTier.GUARANTEED, podCg, "sb",
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

    /** Ops whose updates answer only when the test completes them: shows which calls are in flight together. */
    private final class HeldOps implements PodRuntimeOps {
        final java.util.Map<String, java.util.concurrent.CompletableFuture<Void>> inFlight =
                new java.util.concurrent.ConcurrentHashMap<>();
        final java.util.concurrent.CompletableFuture<Boolean> sandbox = new java.util.concurrent.CompletableFuture<>();

        @Override
        public void updateContainer(String containerId, ResourceValues values) {
            throw new AssertionError("a wave of updates is sent without waiting");
        }

        @Override
        public java.util.concurrent.CompletableFuture<Void> updateContainerAsync(String containerId,
                ResourceValues values) {
            synchronized (log) {
                log.add("send " + containerId);
            }
            java.util.concurrent.CompletableFuture<Void> f = new java.util.concurrent.CompletableFuture<>();
            inFlight.put(containerId, f);
            return f;
        }

        @Override
        public boolean updateSandbox(CgroupResources podValues) {
            throw new AssertionError("the sandbox is told without waiting");
        }

        @Override
        public java.util.concurrent.CompletableFuture<Boolean> updateSandboxAsync(CgroupResources podValues) {
            synchronized (log) {
                log.add("sandbox sent");
            }
            return sandbox;
        }

        @Override
        public void stopAndRemove(String containerId) {
            throw new AssertionError();
        }

        @Override
        public String createAndStart(String containerName, ResourceValues values) {
            throw new AssertionError();
        }
    }

    private java.util.concurrent.CompletableFuture<PassOutcome> executeAsync(PodEnactment p, PodRuntimeOps runtime) {
        ActuationListener synced = new ActuationListener() {
            @Override
            public void actuated(String container, ResourceValues values) {
                synchronized (log) {
                    log.add("actuated " + container);
                }
            }

            @Override
            public void removed(String container) {
            }

            @Override
            public void recreated(String container, String newContainerId, ResourceValues values) {
            }
        };
        return java.util.concurrent.CompletableFuture.supplyAsync(
                () -> new EnactmentExecutor(cgroups).execute(p, EnactmentPlanner.plan(p), runtime, synced));
    }

    private void awaitSent(HeldOps held, String... ids) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!held.inFlight.keySet().containsAll(List.of(ids))) {
            assertThat(System.nanoTime()).as("updates of %s sent", List.of(ids)).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void updatesGoingTheSameWayAreInFlightTogetherAndReportedInPlanOrder() throws Exception {
        PodEnactment p = pod(
                new ContainerEnactment("a", "ida", g(100, 64), g(200, 128), ResizePolicy.NOT_REQUIRED,
                        ResizePolicy.NOT_REQUIRED),
                new ContainerEnactment("b", "idb", g(100, 64), g(300, 128), ResizePolicy.NOT_REQUIRED,
                        ResizePolicy.NOT_REQUIRED));
        log.clear();
        HeldOps held = new HeldOps();

        java.util.concurrent.CompletableFuture<PassOutcome> pass = executeAsync(p, held);
        awaitSent(held, "ida", "idb"); // both sent while neither has answered
        held.inFlight.get("idb").complete(null);
        held.inFlight.get("ida").complete(null);

        // the sandbox update is sent, and the pass ends without its answer (best effort, as the kubelet's)
        assertThat(pass.get(10, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(PassOutcome.Completed.class);
        assertThat(held.sandbox).as("never answered").isNotDone();
        assertThat(log.stream().filter(l -> !l.startsWith("write"))).containsExactly(
                "send ida", "send idb", "actuated a", "actuated b", "sandbox sent");
    }

    @Test
    void decreasesAnswerBeforeIncreasesAreSent() throws Exception {
        PodEnactment p = pod(
                new ContainerEnactment("a", "ida", g(200, 128), g(100, 64), ResizePolicy.NOT_REQUIRED,
                        ResizePolicy.NOT_REQUIRED),
                new ContainerEnactment("b", "idb", g(100, 64), g(200, 128), ResizePolicy.NOT_REQUIRED,
                        ResizePolicy.NOT_REQUIRED));
        log.clear();
        HeldOps held = new HeldOps();
        held.sandbox.complete(true);

        java.util.concurrent.CompletableFuture<PassOutcome> pass = executeAsync(p, held);
        awaitSent(held, "ida");
        assertThat(held.inFlight).as("the increase waits for the decrease").doesNotContainKey("idb");
        held.inFlight.get("ida").complete(null);
        awaitSent(held, "idb");
        held.inFlight.get("idb").complete(null);

        assertThat(pass.get(10, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(PassOutcome.Completed.class);
        assertThat(log.stream().filter(l -> !l.startsWith("write"))).containsExactly(
                "send ida", "actuated a", "send idb", "actuated b");
    }

    @Test
    void aRefusedUpdateInAWaveFailsThePassAfterTheOthersAreRecorded() throws Exception {
        PodEnactment p = pod(
                new ContainerEnactment("a", "ida", g(100, 64), g(200, 128), ResizePolicy.NOT_REQUIRED,
                        ResizePolicy.NOT_REQUIRED),
                new ContainerEnactment("b", "idb", g(100, 64), g(300, 128), ResizePolicy.NOT_REQUIRED,
                        ResizePolicy.NOT_REQUIRED));
        log.clear();
        HeldOps held = new HeldOps();

        java.util.concurrent.CompletableFuture<PassOutcome> pass = executeAsync(p, held);
        awaitSent(held, "ida", "idb");
        held.inFlight.get("ida").completeExceptionally(new IllegalStateException("CRI failed: update ida"));
        held.inFlight.get("idb").complete(null);

        assertThat(pass.get(10, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOfSatisfying(PassOutcome.Failed.class,
                f -> assertThat(f.message()).isEqualTo("CRI failed: update ida"));
        assertThat(log.stream().filter(l -> !l.startsWith("write"))).as("b's accepted update is kept, no pod write after")
                .containsExactly("send ida", "send idb", "actuated b");
    }
}
