package dev.resizelet.it.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.cgroups.QosTier;
import dev.resizelet.core.enact.Backoff;
import dev.resizelet.core.enact.InMemoryActuationRecords;
import dev.resizelet.core.enact.ResizePolicy;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.runtime.ContainerSpec;
import dev.resizelet.core.runtime.PodRuntimeView;
import dev.resizelet.core.runtime.PodSpec;
import dev.resizelet.core.runtime.PodTarget;
import dev.resizelet.core.runtime.RunningContainer;
import dev.resizelet.core.runtime.RuntimeEngine;
import dev.resizelet.core.runtime.RuntimeListener;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.v1.LinuxContainerResources;
import dev.resizelet.cri.v1.ListContainersRequest;
import dev.resizelet.fakecri.CriRpc;
import dev.resizelet.fakecri.FakeRuntime;
import io.grpc.Status;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Enactment and status through the fake CRI runtime on a Unix socket and a temp cgroup v1 tree (DESIGN §5). */
class RuntimeEngineIT {
    private static final long MI = 1024 * 1024;
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private RuntimeHarness h;
    private RuntimeEngine engine;
    private ExecutorService workers;
    private ScheduledExecutorService scheduler;
    private final List<String> completions = new CopyOnWriteArrayList<>();

    private void start(Consumer<FakeRuntime.Builder> customize) {
        h = new RuntimeHarness(dir, customize);
        workers = Executors.newFixedThreadPool(2);
        scheduler = Executors.newSingleThreadScheduledExecutor();
        engine = new RuntimeEngine(h.client, h.agentCgroups, new InMemoryActuationRecords(), workers, scheduler,
                new Backoff(Duration.ofMillis(20), Duration.ofMillis(200)), new RuntimeListener() {
                    @Override
                    public void resizeCompleted(PodUid podUid, long generation) {
                        completions.add(podUid.value() + "@" + generation);
                    }
                });
        engine.start(Duration.ofMillis(200));
    }

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
            workers.shutdownNow();
            scheduler.shutdownNow();
            h.close();
        }
    }

    private static ResourceValues g(long cpu, long memMi) {
        return new ResourceValues(cpu, cpu, memMi * MI, memMi * MI);
    }

    private static PodSpec spec(String uid, QosTier tier, String... containers) {
        return new PodSpec("default", "pod-" + uid, PodUid.of(uid), tier,
                java.util.Arrays.stream(containers).map(n -> new ContainerSpec(n, "busybox", List.of("sleep", "3600")))
                        .toList());
    }

    private static PodTarget target(PodSpec spec, long gen, Map<String, ResourceValues> alloc) {
        return new PodTarget(spec, gen, alloc, Map.of(), Map.of());
    }

    private PodRuntimeView started(PodTarget t) {
        engine.submit(t);
        await().atMost(WAIT).until(() -> engine.view(t.spec().uid())
                .filter(v -> v.running() != null && v.running().containers().stream().allMatch(c -> c.actual() != null))
                .isPresent());
        return engine.view(t.spec().uid()).orElseThrow();
    }

    private PodRuntimeView resized(PodTarget t) {
        engine.submit(t);
        String key = t.spec().uid().value() + "@" + t.generation();
        await().atMost(WAIT).until(() -> completions.contains(key));
        return engine.view(t.spec().uid()).orElseThrow();
    }

    /** The pass does not wait for UpdatePodSandboxResources: the runtime may see it after the resize completed. */
    private void awaitSandboxTold(PodRuntimeView v) {
        String call = "UpdatePodSandboxResources " + v.running().sandboxId();
        await().atMost(WAIT).until(() -> h.actions().contains(call));
    }

    private CgroupName podCgroup(PodSpec s) {
        return h.agentCgroups.layout().pod(s.tier(), s.uid().value());
    }

    private CgroupResources containerFiles(PodSpec s, String id) {
        return h.agentCgroups.read(h.agentCgroups.layout().container(podCgroup(s), id));
    }

    private LinuxContainerResources reported(String id) {
        return h.fake.container(id).orElseThrow().getResources().getLinux();
    }

    @Test
    void aRelistTheRuntimeAnsweredBeforeAPodsContainerStartedDoesNotReReadThatPod() throws Exception {
        // containerd 1.6 (no event stream: only relists find changes); one worker, so passes run in the order kicked;
        // a runtime whose next node-wide listing is answered, then held until the test lets it through
        h = new RuntimeHarness(dir, b -> b.containerEventsUnimplemented(true));
        AtomicBoolean holdNextListing = new AtomicBoolean();
        CountDownLatch answered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CriRuntime holding = (CriRuntime) Proxy.newProxyInstance(CriRuntime.class.getClassLoader(),
                new Class<?>[] {CriRuntime.class}, (proxy, method, args) -> {
                    Object out;
                    try {
                        out = method.invoke(h.client, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("listContainerStates") && holdNextListing.getAndSet(false)) {
                        answered.countDown();
                        assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
                    }
                    return out;
                });
        workers = Executors.newSingleThreadExecutor();
        scheduler = Executors.newSingleThreadScheduledExecutor();
        engine = new RuntimeEngine(holding, h.agentCgroups, new InMemoryActuationRecords(), workers, scheduler,
                new Backoff(Duration.ofMillis(20), Duration.ofMillis(200)), new RuntimeListener() { });
        engine.start(Duration.ofHours(1)); // relists only when the test calls one
        PodSpec other = spec("other", QosTier.GUARANTEED, "app");
        PodRuntimeView otherView = started(target(other, 1, Map.of("app", g(200, 64))));

        // when the runtime answers a relist, the agent then starts a pod, and only then does the answer arrive
        holdNextListing.set(true);
        CompletableFuture<Void> relist = CompletableFuture.runAsync(engine::relistAll);
        assertThat(answered.await(10, TimeUnit.SECONDS)).isTrue();
        PodSpec late = spec("late", QosTier.GUARANTEED, "app");
        String lateSandbox = started(target(late, 1, Map.of("app", g(200, 64)))).running().sandboxId();
        // its pass has ended (a re-kick of it would queue behind the marker): two round trips through the one worker
        workers.submit(() -> { }).get(10, TimeUnit.SECONDS);
        workers.submit(() -> { }).get(10, TimeUnit.SECONDS);
        long lateReadsBefore = podScopedListings(lateSandbox);
        release.countDown();
        relist.get(10, TimeUnit.SECONDS);
        // and then a container of the other pod exits behind the agent's back, which the next relist finds
        h.fake.exitContainer(otherView.running().containerId("app"), 1);
        engine.relistAll();
        await().atMost(WAIT).until(() -> podScopedListings(otherView.running().sandboxId()) > 0);

        // then the late pod was not re-read: the answer that missed its container predates the container (a re-read
        // of it would have run before the other pod's, on the one worker)
        assertThat(podScopedListings(lateSandbox)).isEqualTo(lateReadsBefore);
        assertThat(h.fake.container(engine.view(late.uid()).orElseThrow().running().containerId("app")))
                .hasValueSatisfying(c -> assertThat(c.getState().name()).isEqualTo("CONTAINER_RUNNING"));
    }

    /** The ListContainers calls for one sandbox (a pod's re-read). */
    private long podScopedListings(String sandboxId) {
        return h.fake.calls(CriRpc.LIST_CONTAINERS).stream()
                .filter(c -> ((ListContainersRequest) c.request()).getFilter().getPodSandboxId().equals(sandboxId))
                .count();
    }

    @Test
    void aTargetSubmittedToBeBuiltLaterIsBuiltOnceOffTheSubmittersThreadAndTheNewestWins() {
        start(b -> { });
        PodSpec s = spec("lazy", QosTier.GUARANTEED, "app");
        String id = started(target(s, 1, Map.of("app", g(500, 128)))).running().containerId("app");
        List<String> builtOn = new CopyOnWriteArrayList<>();
        java.util.function.Supplier<PodTarget> older = () -> {
            builtOn.add("older " + Thread.currentThread().getName());
            return target(s, 2, Map.of("app", g(700, 128)));
        };
        java.util.function.Supplier<PodTarget> newer = () -> {
            builtOn.add("newer " + Thread.currentThread().getName());
            return target(s, 3, Map.of("app", g(900, 128)));
        };

        engine.submit(s.uid(), older);
        engine.submit(s.uid(), newer);
        await().atMost(WAIT).until(() -> completions.contains(s.uid().value() + "@3"));
        engine.view(s.uid()).orElseThrow(); // a status read after the pass builds nothing again

        assertThat(builtOn).as("each built at most once, never on the test's thread").doesNotHaveDuplicates()
                .noneMatch(t -> t.endsWith(" " + Thread.currentThread().getName()));
        assertThat(builtOn).filteredOn(t -> t.startsWith("newer")).hasSize(1);
        assertThat(reported(id).getCpuQuota()).as("the newest target is enacted").isEqualTo(90_000);
    }

    @Test
    void guaranteedSingleContainerGrowsInTheSafeOrder() {
        start(b -> { });
        PodSpec s = spec("g1", QosTier.GUARANTEED, "app");
        String id = started(target(s, 1, Map.of("app", g(500, 128)))).running().containerId("app");
        h.clearLog();

        PodRuntimeView v = resized(target(s, 2, Map.of("app", g(1000, 256))));
        awaitSandboxTold(v);

        String pod = "cpu/kubepods/podg1/";
        String mem = "memory/kubepods/podg1/";
        // every pod value up first, then one update with all of the container's new values
        assertThat(h.actions()).containsExactly(
                "write " + mem + "memory.limit_in_bytes=" + 256 * MI,
                "write " + pod + "cpu.cfs_period_us=100000",
                "write " + pod + "cpu.cfs_quota_us=100000",
                "write " + pod + "cpu.shares=1024",
                "UpdateContainerResources " + id,
                "UpdatePodSandboxResources " + v.running().sandboxId());
        assertThat(containerFiles(s, id)).isEqualTo(new CgroupResources(1024L, 100_000L, 100_000L, 256 * MI));
        assertThat(h.agentCgroups.read(podCgroup(s))).isEqualTo(new CgroupResources(1024L, 100_000L, 100_000L, 256 * MI));
        assertThat(reported(id).getCpuQuota()).isEqualTo(100_000);
        assertThat(reported(id).getMemoryLimitInBytes()).isEqualTo(256 * MI);
        RunningContainer app = v.running().container("app").orElseThrow();
        assertThat(app.actual()).isEqualTo(g(1000, 256));
        assertThat(app.restartCount()).isZero();
        assertThat(app.containerId()).isEqualTo(id);
        assertThat(v.resizing()).isFalse();
        assertThat(v.lastError()).isNull();
    }

    @Test
    void burstableTwoContainersShrinkContainersBeforePodDecreasesFirst() {
        start(b -> { });
        PodSpec s = spec("b2", QosTier.BURSTABLE, "a", "b");
        ResourceValues a0 = new ResourceValues(200, 400, 64 * MI, 256 * MI);
        ResourceValues b0 = new ResourceValues(200, 400, 64 * MI, 256 * MI);
        PodRuntimeView v0 = started(target(s, 1, Map.of("a", a0, "b", b0)));
        String a = v0.running().containerId("a");
        String b = v0.running().containerId("b");
        h.clearLog();

        ResourceValues a1 = new ResourceValues(300, 600, 64 * MI, 384 * MI); // a grows
        ResourceValues b1 = new ResourceValues(50, 100, 64 * MI, 64 * MI);   // b shrinks more: pod total down
        PodRuntimeView v = resized(target(s, 2, Map.of("a", a1, "b", b1)));
        awaitSandboxTold(v);

        String pod = "cpu/kubepods/burstable/podb2/";
        String mem = "memory/kubepods/burstable/podb2/";
        // one update per container, decreases first, then every pod value that goes down
        assertThat(h.actions()).containsExactly(
                "UpdateContainerResources " + b,
                "UpdateContainerResources " + a,
                "write " + mem + "memory.limit_in_bytes=" + 448 * MI,
                "write " + pod + "cpu.shares=358",
                "write " + pod + "cpu.cfs_period_us=100000",
                "write " + pod + "cpu.cfs_quota_us=70000",
                "UpdatePodSandboxResources " + v.running().sandboxId());
        assertThat(containerFiles(s, a)).isEqualTo(new CgroupResources(307L, 60_000L, 100_000L, 384 * MI));
        assertThat(containerFiles(s, b)).isEqualTo(new CgroupResources(51L, 10_000L, 100_000L, 64 * MI));
        assertThat(v.running().container("a").orElseThrow().actual()).isEqualTo(a1);
        assertThat(v.running().container("b").orElseThrow().actual()).isEqualTo(b1);
        assertThat(v.running().containers()).allMatch(c -> c.restartCount() == 0);
    }

    @Test
    void restartPolicyRestartsOnlyWhereAChangedResourceHasIt() {
        start(b -> { });
        PodSpec s = spec("r1", QosTier.GUARANTEED, "mem-restart", "cpu-restart");
        Map<String, ResizePolicy> memPolicies = Map.of("mem-restart", ResizePolicy.RESTART_CONTAINER);
        Map<String, ResizePolicy> cpuPolicies = Map.of("cpu-restart", ResizePolicy.RESTART_CONTAINER);
        PodRuntimeView v0 = started(new PodTarget(s, 1, Map.of("mem-restart", g(200, 128), "cpu-restart", g(200, 128)),
                cpuPolicies, memPolicies));
        String memId = v0.running().containerId("mem-restart");
        String cpuId = v0.running().containerId("cpu-restart");

        // memory changes in both: only mem-restart has RestartContainer for memory
        PodRuntimeView v = resized(new PodTarget(s, 2, Map.of("mem-restart", g(200, 256), "cpu-restart", g(200, 256)),
                cpuPolicies, memPolicies));

        RunningContainer restarted = v.running().container("mem-restart").orElseThrow();
        RunningContainer inPlace = v.running().container("cpu-restart").orElseThrow();
        assertThat(restarted.restartCount()).isEqualTo(1);
        assertThat(restarted.containerId()).isNotEqualTo(memId);
        assertThat(restarted.actual()).isEqualTo(g(200, 256));
        assertThat(inPlace.restartCount()).isZero();
        assertThat(inPlace.containerId()).isEqualTo(cpuId);
        assertThat(inPlace.actual()).isEqualTo(g(200, 256));
        assertThat(h.fake.calls(CriRpc.STOP_CONTAINER)).extracting(c -> c.id()).containsExactly(memId);

        // now cpu changes in both: only cpu-restart restarts
        v = resized(new PodTarget(s, 3, Map.of("mem-restart", g(300, 256), "cpu-restart", g(300, 256)),
                cpuPolicies, memPolicies));
        assertThat(v.running().container("mem-restart").orElseThrow().restartCount()).isEqualTo(1);
        assertThat(v.running().container("cpu-restart").orElseThrow().restartCount()).isEqualTo(1);
        assertThat(v.running().container("cpu-restart").orElseThrow().actual()).isEqualTo(g(300, 256));
    }

    @Test
    void memoryShrinkBelowUsageWaitsUntilUsageDrops() {
        start(b -> { });
        PodSpec s = spec("m1", QosTier.GUARANTEED, "app");
        String id = started(target(s, 1, Map.of("app", g(500, 256)))).running().containerId("app");
        h.fake.setMemoryUsage(id, 200 * MI);
        h.clearLog();

        engine.submit(target(s, 2, Map.of("app", g(500, 128))));

        await().atMost(WAIT).until(() -> engine.view(PodUid.of("m1")).map(PodRuntimeView::lastError).orElse(""),
                e -> e != null && e.startsWith("memory limit (" + 128 * MI + ") below current usage"));
        assertThat(containerFiles(s, id).memoryLimitBytes()).isEqualTo(256 * MI);
        assertThat(h.agentCgroups.read(podCgroup(s)).memoryLimitBytes()).isEqualTo(256 * MI);
        assertThat(h.fake.callCount(CriRpc.UPDATE_CONTAINER_RESOURCES)).isZero();
        assertThat(engine.view(PodUid.of("m1")).orElseThrow().resizing()).isTrue();

        h.fake.setMemoryUsage(id, 100 * MI);

        await().atMost(WAIT).until(() -> completions.contains("m1@2"));
        PodRuntimeView v = engine.view(PodUid.of("m1")).orElseThrow();
        assertThat(v.lastError()).isNull();
        assertThat(containerFiles(s, id).memoryLimitBytes()).isEqualTo(128 * MI);
        assertThat(h.agentCgroups.read(podCgroup(s)).memoryLimitBytes()).isEqualTo(128 * MI);
        assertThat(v.running().container("app").orElseThrow().actual()).isEqualTo(g(500, 128));
    }

    @Test
    void injectedRuntimeFailureShowsErrorAndCompletesOnceWithoutReapplying() {
        start(b -> { });
        PodSpec s = spec("f1", QosTier.GUARANTEED, "app");
        String id = started(target(s, 1, Map.of("app", g(500, 128)))).running().containerId("app");
        h.fake.injectError(CriRpc.UPDATE_CONTAINER_RESOURCES, Status.RESOURCE_EXHAUSTED.withDescription("disk full"));
        h.clearLog();

        engine.submit(target(s, 2, Map.of("app", g(1000, 256))));

        await().atMost(WAIT).until(() -> h.fake.callCount(CriRpc.UPDATE_CONTAINER_RESOURCES) >= 2);
        PodRuntimeView failing = engine.view(PodUid.of("f1")).orElseThrow();
        assertThat(failing.lastError()).contains("UpdateContainerResources").contains("disk full");
        assertThat(failing.resizing()).isTrue();
        assertThat(failing.actuated()).containsEntry("app", g(500, 128)); // never claims what was refused
        assertThat(containerFiles(s, id)).isEqualTo(new CgroupResources(512L, 50_000L, 100_000L, 128 * MI));

        h.fake.clearError(CriRpc.UPDATE_CONTAINER_RESOURCES);

        await().atMost(WAIT).until(() -> completions.contains("f1@2"));
        PodRuntimeView v = engine.view(PodUid.of("f1")).orElseThrow();
        assertThat(v.lastError()).isNull();
        assertThat(v.actuated()).containsEntry("app", g(1000, 256));
        assertThat(containerFiles(s, id)).isEqualTo(new CgroupResources(1024L, 100_000L, 100_000L, 256 * MI));
        List<String> actions = h.actions();
        // the pod memory limit went up once, before the first (refused) container update, and was not rewritten
        assertThat(actions.stream().filter(a -> a.contains("memory.limit_in_bytes"))).hasSize(1);
        assertThat(actions.stream().filter(a -> a.contains("cpu.cfs_quota_us"))).hasSize(1);
        // after the fault cleared: exactly one accepted memory update and one cpu update
        List<String> afterFault = actions.subList(lastIndexOfRefused(actions), actions.size());
        assertThat(afterFault.stream().filter(a -> a.startsWith("UpdateContainerResources"))).hasSize(2);
    }

    private int lastIndexOfRefused(List<String> actions) {
        long refused = h.fake.callCount(CriRpc.UPDATE_CONTAINER_RESOURCES) - 2;
        int seen = 0;
        for (int i = 0; i < actions.size(); i++) {
            if (actions.get(i).startsWith("UpdateContainerResources") && ++seen == refused) {
                return i + 1;
            }
        }
        throw new AssertionError("no refused update in " + actions);
    }

    @Test
    void legacyRuntimeStatusComesFromCgroupFiles() {
        start(b -> b.legacy(true).podSandboxResourcesUnimplemented(true));
        PodSpec s = spec("l1", QosTier.BURSTABLE, "app");
        ResourceValues r0 = new ResourceValues(250, 500, 64 * MI, 128 * MI);
        PodRuntimeView v0 = started(target(s, 1, Map.of("app", r0)));
        assertThat(v0.running().container("app").orElseThrow().fromCgroupFiles()).isTrue();
        assertThat(v0.running().container("app").orElseThrow().actual()).isEqualTo(r0);

        ResourceValues r1 = new ResourceValues(750, 1500, 64 * MI, 512 * MI);
        PodRuntimeView v = resized(target(s, 2, Map.of("app", r1)));

        RunningContainer app = v.running().container("app").orElseThrow();
        assertThat(app.fromCgroupFiles()).isTrue();
        assertThat(app.actual()).isEqualTo(r1);
        assertThat(engine.legacyStatusFallbacks()).isPositive();
        assertThat(engine.metrics().legacyStatusFallbacks()).isPositive();
        assertThat(engine.metrics().completedResizes()).isEqualTo(1);
        assertThat(v.lastError()).isNull(); // UpdatePodSandboxResources UNIMPLEMENTED is not an error
    }

    @Test
    void containerRestartedBehindTheAgentsBackIsSeenAndResynced() {
        start(b -> { });
        PodSpec s = spec("x1", QosTier.GUARANTEED, "app");
        String id = started(target(s, 1, Map.of("app", g(500, 128)))).running().containerId("app");
        resized(target(s, 2, Map.of("app", g(700, 192))));

        String newId = h.fake.restartContainer(id); // comes back with its creation resources

        await().atMost(WAIT).until(() -> engine.view(PodUid.of("x1")).orElseThrow().running().container("app")
                .filter(c -> c.containerId().equals(newId) && g(700, 192).equals(c.actual())).isPresent());
        RunningContainer app = engine.view(PodUid.of("x1")).orElseThrow().running().container("app").orElseThrow();
        assertThat(app.restartCount()).isEqualTo(1);
        assertThat(containerFiles(s, newId)).isEqualTo(new CgroupResources(716L, 70_000L, 100_000L, 192 * MI));
    }

    @Test
    void deleteStopsContainersRemovesSandboxAndPodCgroup() {
        start(b -> { });
        PodSpec s = spec("d1", QosTier.BURSTABLE, "app");
        PodRuntimeView v = started(target(s, 1, Map.of("app", new ResourceValues(100, 0, 0, 0))));

        engine.remove(PodUid.of("d1"));

        await().atMost(WAIT).until(() -> engine.view(PodUid.of("d1")).isEmpty());
        assertThat(h.fake.sandboxIds()).doesNotContain(v.running().sandboxId());
        assertThat(h.fake.containerIds()).isEmpty();
        assertThat(h.agentCgroups.exists(podCgroup(s))).isFalse();
    }
}
