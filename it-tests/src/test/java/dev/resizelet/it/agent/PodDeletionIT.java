package dev.resizelet.it.agent;

import dev.resizelet.it.daemon.Teardown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resizelet.cgroups.QosTier;
import dev.resizelet.core.NodeAgent;
import dev.resizelet.core.api.InvalidException;
import dev.resizelet.core.api.PodEvent;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.cri.v1.ContainerConfig;
import dev.resizelet.cri.v1.ContainerMetadata;
import dev.resizelet.cri.v1.CreateContainerRequest;
import dev.resizelet.cri.v1.ImageSpec;
import dev.resizelet.cri.v1.LinuxPodSandboxConfig;
import dev.resizelet.cri.v1.PodSandboxConfig;
import dev.resizelet.cri.v1.PodSandboxMetadata;
import dev.resizelet.cri.v1.RunPodSandboxRequest;
import dev.resizelet.cri.v1.StartContainerRequest;
import dev.resizelet.cri.v1.StopContainerRequest;
import dev.resizelet.fakecri.CriRpc;
import dev.resizelet.fakecri.RecordedCall;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graceful deletion as the apiserver and the kubelet do it together, and the start-up sweep of what a crash left: the
 * embedding API over the fake CRI runtime on a Unix socket, a temp cgroup v1 tree and a durable state dir.
 */
class PodDeletionIT {
    private static final long MI = 1024 * 1024;
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private RuntimeHarness h;
    private NodeAgent agent;

    private NodeAgent start() {
        if (h == null) {
            h = new RuntimeHarness(dir, b -> b.unboundedCallLog());
        }
        agent = NodeAgent.builder()
                .runtime(h.client)
                .cgroups(h.cgroupConfig)
                .allocatable(4000, 4096 * MI)
                .stateDir(dir.resolve("state"))
                .relistInterval(Duration.ofMillis(200))
                .build();
        return agent;
    }

    @AfterEach
    void stop() throws Exception {
        Teardown.close(agent, h);
    }

    static Pod pod(String name, String cpu, Long terminationGracePeriodSeconds) {
        ResourceRequirements r = new ResourceRequirements(
                Map.of("cpu", Quantity.parse(cpu), "memory", Quantity.parse("64Mi")),
                Map.of("cpu", Quantity.parse(cpu), "memory", Quantity.parse("64Mi")));
        return new Pod("default", name, PodUid.of("uid-" + name), 0, 0, Map.of(), List.of(),
                List.of(new Container("app", "busybox", List.of("sleep", "3600"), r, Map.of(), null),
                        new Container("side", "busybox", List.of("sleep", "3600"), r, Map.of(), null)),
                Map.of(), terminationGracePeriodSeconds);
    }

    private void running(String name) {
        await().atMost(WAIT).until(() -> agent.get("default", name)
                .map(v -> v.status().phase().equals("Running")).orElse(false));
    }

    private Path podCgroupDir(String name) {
        return h.agentCgroups.dirs(h.agentCgroups.layout().pod(QosTier.GUARANTEED, "uid-" + name)).get(0);
    }

    private long managedSandboxes(String uid) {
        return h.fake.sandboxIds().stream().map(id -> h.fake.sandbox(id).orElseThrow())
                .filter(s -> uid.equals(s.getLabelsOrDefault("io.kubernetes.pod.uid", ""))).count();
    }

    private long containersOf(String uid) {
        return h.fake.containerIds().stream().map(id -> h.fake.container(id).orElseThrow())
                .filter(c -> uid.equals(c.getLabelsOrDefault("io.kubernetes.pod.uid", ""))).count();
    }

    private List<Long> stopTimeouts() {
        return h.fake.calls(CriRpc.STOP_CONTAINER).stream()
                .map(c -> ((StopContainerRequest) c.request()).getTimeout()).toList();
    }

    @Test
    void aGracefulDeleteMarksThePodStopsItsContainersWithinTheGracePeriodAndRemovesItOnlyWhenTornDown() {
        start();
        agent.create(pod("web", "500m", 45L));
        running("web");
        assertThat(Files.isDirectory(podCgroupDir("web"))).isTrue();
        List<PodEvent> events = new CopyOnWriteArrayList<>();
        long rv = agent.get("default", "web").orElseThrow().resourceVersion();
        agent.watch("default", rv, events::add);
        // the runtime refuses to stop containers for now: the pod stays Terminating, visibly
        h.fake.injectError(CriRpc.STOP_CONTAINER, Status.UNAVAILABLE.withDescription("runtime busy"));

        Instant asked = Instant.now();
        PodView marked = agent.delete("default", "web");

        assertThat(marked.deletionGracePeriodSeconds()).isEqualTo(45);
        assertThat(marked.deletionTimestamp()).isCloseTo(asked.plusSeconds(45), within(3, ChronoUnit.SECONDS));
        PodView listed = agent.get("default", "web").orElseThrow();
        assertThat(listed.deletionTimestamp()).isEqualTo(marked.deletionTimestamp());
        assertThat(agent.list("default")).extracting(v -> v.spec().name()).contains("web");
        await().atMost(WAIT).until(() -> stopTimeouts().size() >= 1);
        assertThat(agent.get("default", "web")).isPresent();
        assertThat(agent.allocation(PodUid.of("uid-web")).orElseThrow().allocated()).isNotNull();

        h.fake.clearErrors();
        await().atMost(WAIT).until(() -> agent.get("default", "web").isEmpty());

        // StopContainer got the grace period left (45 s minus the little that passed), never the old fixed 10 s
        assertThat(stopTimeouts()).allSatisfy(t -> assertThat(t).isBetween(40L, 45L));
        assertThat(managedSandboxes("uid-web")).isZero();
        assertThat(containersOf("uid-web")).isZero();
        assertThat(Files.exists(podCgroupDir("web"))).isFalse();
        assertThat(agent.allocation(PodUid.of("uid-web"))).isEmpty();
        await().atMost(WAIT).until(() -> events.stream().anyMatch(e -> e.type() == PodEvent.Type.DELETED));
        // the mark is a MODIFIED event (kubectl get -w shows Terminating), the removal the last event
        int markedAt = -1;
        for (int i = 0; i < events.size() && markedAt < 0; i++) {
            if (events.get(i).type() == PodEvent.Type.MODIFIED && events.get(i).pod().terminating()) {
                markedAt = i;
            }
        }
        assertThat(markedAt).as("a MODIFIED event with the mark, in %s", events).isNotNegative();
        assertThat(events.get(markedAt).pod().deletionTimestamp()).isEqualTo(marked.deletionTimestamp());
        assertThat(events.subList(0, markedAt)).extracting(PodEvent::type).doesNotContain(PodEvent.Type.DELETED);
        assertThat(events.get(events.size() - 1).type()).isEqualTo(PodEvent.Type.DELETED);
    }

    @Test
    void aPodsContainersAreStoppedTogetherEachWithTheWholeGracePeriod() {
        start();
        agent.create(pod("together", "100m", 45L));
        running("together");
        // each StopContainer takes 30 s to answer: one after the other, the second would be sent only after the first
        h.fake.setLatency(CriRpc.STOP_CONTAINER, Duration.ofSeconds(30));

        agent.delete("default", "together");

        await().atMost(Duration.ofSeconds(10)).until(() -> stopTimeouts().size() == 2);
        assertThat(stopTimeouts()).as("both containers get the whole grace period left")
                .allSatisfy(t -> assertThat(t).isBetween(40L, 45L));
    }

    @Test
    void theRequestsGracePeriodWinsAndASecondDeleteMayOnlyShortenIt() {
        start();
        agent.create(pod("web", "500m", null));
        running("web");
        h.fake.injectError(CriRpc.STOP_CONTAINER, Status.UNAVAILABLE.withDescription("runtime busy"));

        PodView first = agent.delete("default", "web", 60L);
        await().atMost(WAIT).until(() -> stopTimeouts().size() >= 1); // the first teardown attempt failed
        assertThat(stopTimeouts()).first().satisfies(t -> assertThat(t).isBetween(55L, 60L));
        PodView longer = agent.delete("default", "web", 120L);
        PodView none = agent.delete("default", "web");
        PodView shorter = agent.delete("default", "web", 10L);

        assertThat(first.deletionGracePeriodSeconds()).isEqualTo(60);
        assertThat(longer.deletionGracePeriodSeconds()).isEqualTo(60);
        assertThat(longer.deletionTimestamp()).isEqualTo(first.deletionTimestamp());
        assertThat(none.deletionTimestamp()).isEqualTo(first.deletionTimestamp());
        assertThat(shorter.deletionGracePeriodSeconds()).isEqualTo(10);
        // as the apiserver: the new period counts from the first request's time
        assertThat(shorter.deletionTimestamp()).isEqualTo(first.deletionTimestamp().minusSeconds(50));

        h.fake.clearErrors();
        await().atMost(WAIT).until(() -> agent.get("default", "web").isEmpty());
        assertThat(stopTimeouts().get(stopTimeouts().size() - 1)).as("StopContainer timeouts %s", stopTimeouts())
                .isBetween(2L, 10L);
    }

    @Test
    void withoutAGracePeriodInTheSpecTheApiserversDefaultOf30Applies() {
        start();
        agent.create(pod("web", "500m", null));
        running("web");
        h.fake.injectError(CriRpc.STOP_CONTAINER, Status.UNAVAILABLE.withDescription("runtime busy"));

        assertThat(agent.delete("default", "web").deletionGracePeriodSeconds()).isEqualTo(30);
        h.fake.clearErrors();
        await().atMost(WAIT).until(() -> agent.get("default", "web").isEmpty());
    }

    @Test
    void aForceDeleteRemovesTheObjectAndItsAllocationAtOnceAndTheTeardownFollows() {
        start();
        agent.create(pod("web", "500m", 45L));
        running("web");
        h.fake.injectError(CriRpc.STOP_CONTAINER, Status.UNAVAILABLE.withDescription("runtime busy"));

        PodView deleted = agent.delete("default", "web", 0L);

        assertThat(deleted.deletionTimestamp()).isNull();
        assertThat(agent.get("default", "web")).isEmpty();
        assertThat(agent.allocation(PodUid.of("uid-web"))).isEmpty();
        assertThat(containersOf("uid-web")).isEqualTo(2); // not torn down yet: the runtime refuses

        h.fake.clearErrors();
        await().atMost(WAIT).until(() -> containersOf("uid-web") == 0 && managedSandboxes("uid-web") == 0
                && !Files.exists(podCgroupDir("web")));
        // the kubelet's minimumGracePeriodInSeconds
        assertThat(stopTimeouts()).allSatisfy(t -> assertThat(t).isEqualTo(2L));
    }

    @Test
    void aTerminatingPodCannotBeResized() {
        start();
        agent.create(pod("web", "500m", 45L));
        running("web");
        h.fake.injectError(CriRpc.STOP_CONTAINER, Status.UNAVAILABLE.withDescription("runtime busy"));
        agent.delete("default", "web");
        long generation = agent.get("default", "web").orElseThrow().generation();

        InvalidException e = assertThrows(InvalidException.class,
                () -> agent.update("default", "web", pod("web", "800m", 45L), null, true, false));

        assertThat(e.errors()).singleElement().satisfies(err -> assertThat(err.detail())
                .isEqualTo("pods that are being deleted cannot be resized"));
        assertThat(agent.get("default", "web").orElseThrow().generation()).isEqualTo(generation);
        h.fake.clearErrors();
        await().atMost(WAIT).until(() -> agent.get("default", "web").isEmpty());
    }

    @Test
    void aTeardownCutShortByACrashResumesAtTheNextStartWithTheSameDeadline() {
        start();
        agent.create(pod("web", "500m", 45L));
        running("web");
        h.fake.injectError(CriRpc.STOP_CONTAINER, Status.UNAVAILABLE.withDescription("runtime busy"));
        PodView marked = agent.delete("default", "web");
        await().atMost(WAIT).until(() -> stopTimeouts().size() >= 1);
        agent.close(); // the deletion mark is durable; the containers still run

        h.fake.clearErrors();
        h.fake.clearCalls();
        List<PodEvent> events = new CopyOnWriteArrayList<>();
        start();
        agent.watch("default", 0, events::add);

        await().atMost(WAIT).until(() -> agent.get("default", "web").isEmpty());
        assertThat(events).first().satisfies(e -> {
            assertThat(e.type()).isEqualTo(PodEvent.Type.ADDED);
            assertThat(e.pod().deletionTimestamp()).isEqualTo(marked.deletionTimestamp());
            assertThat(e.pod().deletionGracePeriodSeconds()).isEqualTo(45);
        });
        assertThat(containersOf("uid-web")).isZero();
        assertThat(managedSandboxes("uid-web")).isZero();
        assertThat(Files.exists(podCgroupDir("web"))).isFalse();
        assertThat(h.fake.calls(CriRpc.RUN_POD_SANDBOX)).isEmpty();
        assertThat(h.fake.calls(CriRpc.CREATE_CONTAINER)).isEmpty();
    }

    @Test
    void atStartTheAgentsOwnOrphansAreRemovedAndNothingElse() throws Exception {
        start();
        agent.create(pod("web", "500m", 45L));
        agent.create(pod("keep", "500m", 45L));
        running("web");
        running("keep");
        // someone else's sandbox and container on the same runtime, and a cgroup the agent did not make
        String strangerSandbox = h.client.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(
                PodSandboxConfig.newBuilder()
                        .setMetadata(PodSandboxMetadata.newBuilder().setName("other").setNamespace("x").setUid("uid-other"))
                        .putLabels("io.kubernetes.pod.uid", "uid-other")
                        .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent("/kubepods/besteffort/poduid-other")))
                .build()).getPodSandboxId();
        String strangerContainer = h.client.createContainer(CreateContainerRequest.newBuilder()
                .setPodSandboxId(strangerSandbox)
                .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("c"))
                        .setImage(ImageSpec.newBuilder().setImage("busybox"))
                        .putLabels("io.kubernetes.pod.uid", "uid-other"))
                .build()).getContainerId();
        h.client.startContainer(StartContainerRequest.newBuilder().setContainerId(strangerContainer).build());
        Path strangerCgroup = h.cgroupRoot.resolve("memory/kubepods/besteffort/poduid-other");
        Files.createDirectories(strangerCgroup);
        Path notAPod = h.cgroupRoot.resolve("memory/kubepods/burstable/something-else");
        Files.createDirectories(notAPod);
        // a force delete whose teardown the crash cuts short: the store no longer has the pod, the runtime still runs it
        h.fake.injectError(CriRpc.STOP_CONTAINER, Status.UNAVAILABLE.withDescription("runtime busy"));
        agent.delete("default", "web", 0L);
        agent.close();
        // and a pod cgroup left by a crash between its creation and RunPodSandbox
        Path leftCgroup = h.cgroupRoot.resolve("memory/kubepods/burstable/poduid-gone");
        Files.createDirectories(leftCgroup.resolve("somecontainer"));
        h.fake.clearErrors();
        assertThat(containersOf("uid-web")).isEqualTo(2);
        Instant restartedAt = Instant.now();

        start();

        // the sweep runs after ready, in the background
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(containersOf("uid-web")).isZero();
            assertThat(managedSandboxes("uid-web")).isZero();
            assertThat(Files.exists(podCgroupDir("web"))).isFalse();
            assertThat(Files.exists(leftCgroup)).isFalse();
        });
        // nothing that is not the agent's, and nothing of a stored pod, is touched
        assertThat(h.fake.sandbox(strangerSandbox)).isPresent();
        assertThat(h.fake.container(strangerContainer)).isPresent();
        assertThat(Files.isDirectory(strangerCgroup)).isTrue();
        assertThat(Files.isDirectory(notAPod)).isTrue();
        assertThat(containersOf("uid-keep")).isEqualTo(2);
        assertThat(Files.isDirectory(podCgroupDir("keep"))).isTrue();
        List<RecordedCall> stops = h.fake.calls(CriRpc.STOP_CONTAINER);
        assertThat(stops).extracting(RecordedCall::id).doesNotContain(strangerContainer);
        assertThat(h.fake.calls(CriRpc.STOP_POD_SANDBOX)).extracting(RecordedCall::id).doesNotContain(strangerSandbox);
        running("keep"); // adopted, not started again
        assertThat(h.fake.calls(CriRpc.RUN_POD_SANDBOX).stream().filter(c -> c.at().isAfter(restartedAt))).isEmpty();
    }
}
