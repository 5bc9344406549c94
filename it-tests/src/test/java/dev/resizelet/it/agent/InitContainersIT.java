package dev.resizelet.it.agent;

import dev.resizelet.it.daemon.Teardown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.cgroups.QosTier;
import dev.resizelet.core.NodeAgent;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResizeRestartPolicy;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.cri.v1.CreateContainerRequest;
import dev.resizelet.fakecri.CriRpc;
import dev.resizelet.fakecri.ManualExitTimer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Init containers and sidecars end to end: the agent over the real gRPC fake runtime on a Unix socket (whose exit
 * model ends {@code true}, {@code exit N} at once and {@code sleep N} when the test's timer says), a temp cgroup v1
 * tree, the CRI calls the runtime saw.
 */
class InitContainersIT {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private final ManualExitTimer timer = new ManualExitTimer();
    private RuntimeHarness h;
    private NodeAgent agent;

    private NodeAgent start(Duration crashLoop) {
        h = new RuntimeHarness(dir, b -> b.exitTimer(timer));
        agent = NodeAgent.builder()
                .runtime(h.client)
                .cgroups(h.cgroupConfig)
                .allocatable(4000, 4L << 30)
                .stateDir(dir.resolve("state"))
                .relistInterval(Duration.ofMillis(100))
                .crashLoopBackoff(crashLoop, crashLoop.multipliedBy(8))
                .build();
        return agent;
    }

    @AfterEach
    void stop() throws Exception {
        Teardown.close(agent, h);
    }

    static ResourceRequirements cpu(String request, String limit) {
        return new ResourceRequirements(Map.of("cpu", Quantity.parse(request), "memory", Quantity.parse("64Mi")),
                limit == null ? Map.of() : Map.of("cpu", Quantity.parse(limit), "memory", Quantity.parse("64Mi")));
    }

    static Container init(String name, String... command) {
        return new Container(name, "busybox", List.of(command), cpu("50m", null), Map.of(), null);
    }

    static Container sidecar(String name, ResourceRequirements r, Map<String, ResizeRestartPolicy> policy) {
        return new Container(name, "busybox", List.of("sleep", "infinity"), r, policy, Container.RESTART_ALWAYS);
    }

    static Container app() {
        return new Container("app", "busybox", List.of("sleep", "infinity"), cpu("100m", "200m"), Map.of(), null);
    }

    static Pod pod(String name, String restartPolicy, List<Container> inits) {
        return new Pod("default", name, PodUid.of("uid-" + name), 0, 0, Map.of(), inits, List.of(app()), Map.of(),
                restartPolicy);
    }

    private PodView awaitPod(String name, java.util.function.Predicate<PodView> condition) {
        await().atMost(WAIT).until(() -> agent.get("default", name).map(condition::test).orElse(false));
        return agent.get("default", name).orElseThrow();
    }

    /** The container names of the CreateContainer calls the runtime saw, in order. */
    private List<String> created() {
        List<String> names = new ArrayList<>();
        h.fake.calls(CriRpc.CREATE_CONTAINER).forEach(c ->
                names.add(((CreateContainerRequest) c.request()).getConfig().getMetadata().getName()));
        return names;
    }

    private static PodStatus.ContainerStatus initStatus(PodView v, String name) {
        return v.status().initContainerStatuses().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    private String id(PodStatus.ContainerStatus s) {
        return s.containerId().replaceFirst("^[a-z-]+://", "");
    }

    @Test
    void initContainersRunInOrderToCompletionThenTheSidecarThenTheApp() {
        start(Duration.ofSeconds(10));
        agent.create(pod("web", "Always", List.of(init("fetch", "true"), init("migrate", "sh", "-c", "sleep 5"),
                sidecar("log", cpu("100m", "200m"), Map.of()))));

        PodView initializing = awaitPod("web", v -> initStatus(v, "migrate").state().equals("running"));
        assertThat(created()).containsExactly("fetch", "migrate");
        assertThat(initializing.status().phase()).isEqualTo("Pending");
        PodStatus.ContainerStatus fetch = initStatus(initializing, "fetch");
        assertThat(fetch.state()).isEqualTo("terminated");
        assertThat(fetch.terminated().exitCode()).isZero();
        assertThat(fetch.terminated().reason()).isEqualTo("Completed");
        assertThat(fetch.ready()).isTrue();
        assertThat(fetch.allocatedResources()).as("not resizable: no allocation, as the kubelet").isNull();
        assertThat(fetch.resources()).isNull();
        assertThat(initializing.status().containerStatuses()).singleElement()
                .satisfies(s -> assertThat(s.stateReason()).isEqualTo("PodInitializing"));

        timer.advance(Duration.ofSeconds(5));

        PodView running = awaitPod("web", v -> v.status().phase().equals("Running"));
        assertThat(created()).containsExactly("fetch", "migrate", "log", "app");
        List<String> order = h.actions().stream().filter(a -> a.startsWith("CreateContainer") || a.startsWith("StartContainer"))
                .map(a -> a.split(" ")[0]).toList();
        assertThat(order).containsExactly("CreateContainer", "StartContainer", "CreateContainer", "StartContainer",
                "CreateContainer", "StartContainer", "CreateContainer", "StartContainer");
        assertThat(initStatus(running, "migrate").terminated().exitCode()).isZero();
        PodStatus.ContainerStatus log = initStatus(running, "log");
        assertThat(log.state()).isEqualTo("running");
        assertThat(log.started()).isTrue();
        assertThat(log.image()).isEqualTo("busybox");
        assertThat(log.containerId()).startsWith("fake-cri://");
        assertThat(log.allocatedResources().requests()).containsEntry("cpu", Quantity.parse("100m"));
        assertThat(log.resources().limits()).containsEntry("cpu", Quantity.parse("200m"));
    }

    @Test
    void aNeverExitingInitContainerHoldsThePodInInitAndTheAppIsNotCreated() {
        start(Duration.ofSeconds(10));
        agent.create(pod("hold", "Always", List.of(init("wait", "sh", "-c", "tail -f /dev/null"))));

        PodView held = awaitPod("hold", v -> initStatus(v, "wait").state().equals("running"));
        long lists = h.fake.callCount(CriRpc.LIST_CONTAINERS);
        timer.advance(Duration.ofDays(1));
        await().atMost(WAIT).until(() -> h.fake.callCount(CriRpc.LIST_CONTAINERS) >= lists + 3); // three relists later

        assertThat(created()).containsExactly("wait");
        PodView still = agent.get("default", "hold").orElseThrow();
        assertThat(still.status().phase()).isEqualTo("Pending");
        assertThat(still.status().containerStatuses().get(0).state()).isEqualTo("waiting");

        h.fake.exitContainer(id(initStatus(held, "wait")), 0);

        awaitPod("hold", v -> v.status().phase().equals("Running"));
        assertThat(created()).containsExactly("wait", "app");
    }

    @Test
    void aFailedInitContainerFailsThePodUnderRestartPolicyNever() {
        start(Duration.ofSeconds(10));
        agent.create(pod("once", "Never", List.of(init("check", "sh", "-c", "exit 3"))));

        PodView failed = awaitPod("once", v -> v.status().phase().equals("Failed"));

        PodStatus.ContainerStatus check = initStatus(failed, "check");
        assertThat(check.terminated().exitCode()).isEqualTo(3);
        assertThat(check.terminated().reason()).isEqualTo("Error");
        assertThat(check.restartCount()).isZero();
        assertThat(created()).containsExactly("check");
    }

    @Test
    void aFailedInitContainerIsRestartedWithTheCrashLoopBackoff() {
        start(Duration.ofMillis(500));
        agent.create(pod("crash", "Always", List.of(init("check", "sh", "-c", "exit 1"))));

        PodView backingOff = awaitPod("crash", v -> "CrashLoopBackOff".equals(initStatus(v, "check").stateReason()));
        PodStatus.ContainerStatus check = initStatus(backingOff, "check");
        assertThat(check.restartCount()).as("the first restart is immediate").isGreaterThanOrEqualTo(1);
        assertThat(check.lastState().exitCode()).isEqualTo(1);
        assertThat(check.stateMessage()).startsWith("back-off ").contains("restarting failed container=check pod=crash_default(uid-crash)");
        assertThat(backingOff.status().phase()).isEqualTo("Pending");

        awaitPod("crash", v -> initStatus(v, "check").restartCount() >= 3);
        assertThat(created()).containsOnly("check");
    }

    @Test
    void aSidecarResizeCompletesInPlaceWithStatusAndCgroupFiles() {
        start(Duration.ofSeconds(10));
        Pod pod = pod("side", "Always", List.of(sidecar("log", cpu("100m", "200m"), Map.of())));
        agent.create(pod);
        PodView before = awaitPod("side", v -> v.status().phase().equals("Running"));
        String id = id(initStatus(before, "log"));

        Pod resized = new Pod("default", "side", pod.uid(), 0, 0, Map.of(),
                List.of(sidecar("log", cpu("300m", "400m"), Map.of())), List.of(app()));
        agent.update("default", "side", resized, null, true, false);

        PodView done = awaitPod("side", v -> v.status().observedGeneration() == 2 && v.status().resize() == null
                && initStatus(v, "log").resources().limits().get("cpu").equals(Quantity.parse("400m")));
        PodStatus.ContainerStatus log = initStatus(done, "log");
        assertThat(log.allocatedResources().requests()).containsEntry("cpu", Quantity.parse("300m"));
        assertThat(log.resources().requests()).containsEntry("cpu", Quantity.parse("300m"));
        assertThat(log.restartCount()).isZero();
        assertThat(id(log)).isEqualTo(id);
        CgroupResources files = h.agentCgroups.read(h.agentCgroups.layout()
                .container(h.agentCgroups.layout().pod(QosTier.BURSTABLE, "uid-side"), id));
        assertThat(files.cpuShares()).isEqualTo(307L);
        assertThat(files.cpuQuota()).isEqualTo(40_000L);
        assertThat(h.fake.callCount(CriRpc.UPDATE_CONTAINER_RESOURCES)).isEqualTo(1);
    }

    @Test
    void aSidecarWithRestartContainerPolicyIsRestartedByItsResize() {
        start(Duration.ofSeconds(10));
        Map<String, ResizeRestartPolicy> restartOnCpu = Map.of("cpu", ResizeRestartPolicy.RESTART_CONTAINER);
        Pod pod = pod("rs", "Always", List.of(sidecar("log", cpu("100m", "200m"), restartOnCpu)));
        agent.create(pod);
        String id = id(initStatus(awaitPod("rs", v -> v.status().phase().equals("Running")), "log"));

        Pod resized = new Pod("default", "rs", pod.uid(), 0, 0, Map.of(),
                List.of(sidecar("log", cpu("150m", "300m"), restartOnCpu)), List.of(app()));
        agent.update("default", "rs", resized, null, true, false);

        PodView done = awaitPod("rs", v -> v.status().observedGeneration() == 2 && v.status().resize() == null
                && initStatus(v, "log").restartCount() == 1 && initStatus(v, "log").state().equals("running"));
        PodStatus.ContainerStatus log = initStatus(done, "log");
        assertThat(id(log)).isNotEqualTo(id);
        assertThat(log.resources().limits()).containsEntry("cpu", Quantity.parse("300m"));
        assertThat(h.fake.container(id)).as("the old container was removed").isEmpty();
        CgroupResources files = h.agentCgroups.read(h.agentCgroups.layout()
                .container(h.agentCgroups.layout().pod(QosTier.BURSTABLE, "uid-rs"), id(log)));
        assertThat(files.cpuQuota()).isEqualTo(30_000L);
        assertThat(done.status().containerStatuses().get(0).restartCount()).as("the app is untouched").isZero();
        assertThat(agent.events("default")).anySatisfy(e ->
                assertThat(e.message()).isEqualTo("Container log resize requires restart"));
    }
}
