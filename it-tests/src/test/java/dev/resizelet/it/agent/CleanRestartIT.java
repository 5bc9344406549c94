package dev.resizelet.it.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.resizelet.core.NodeAgent;
import dev.resizelet.core.api.PodStatus.ContainerStatus;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.store.StatusSnapshot;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.v1.ListContainersRequest;
import dev.resizelet.cri.v1.ListPodSandboxRequest;
import dev.resizelet.cri.v1.RemovePodSandboxRequest;
import dev.resizelet.cri.v1.StopPodSandboxRequest;
import dev.resizelet.fakecri.CriRpc;
import dev.resizelet.it.daemon.Teardown;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A clean stop leaves the pods' statuses ({@link StatusSnapshot}); the next start serves them and admits resizes before
 * the runtime answered its listing, and enacts nothing until it has (no pod is created twice).
 */
class CleanRestartIT {
    private static final long MI = 1024 * 1024;
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;

    private RuntimeHarness h;
    private NodeAgent agent;
    private final CountDownLatch listingEntered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicBoolean hold = new AtomicBoolean();

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        Teardown.close(agent, h);
    }

    private NodeAgent build(CriRuntime runtime) {
        return NodeAgent.builder().runtime(runtime).cgroups(h.cgroupConfig).allocatable(4000, 4096 * MI)
                .stateDir(dir.resolve("state")).relistInterval(Duration.ofMillis(200)).build();
    }

    /**
     * The harness's client, whose node-wide container listings (not a pod's own lookup) wait for {@link #release}
     * while {@link #hold} is set.
     */
    private CriRuntime holdingListings() {
        return (CriRuntime) Proxy.newProxyInstance(CriRuntime.class.getClassLoader(), new Class<?>[] {CriRuntime.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("listContainers") && hold.get()
                            && ListContainersRequest.getDefaultInstance().equals(args[0])) {
                        listingEntered.countDown();
                        assertThat(release.await(20, TimeUnit.SECONDS)).as("listing released").isTrue();
                    }
                    try {
                        return method.invoke(h.client, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private PodView settled(String name, long generation) {
        return NodeAgentIT.settled(agent, name, generation);
    }

    private static ContainerStatus app(PodView v) {
        return v.status().containerStatuses().get(0);
    }

    @Test
    void aCleanStopLeavesTheStatusesAndTheNextStartServesThemAndAdmitsBeforeTheRuntimeAnswers() throws Exception {
        h = new RuntimeHarness(dir, b -> { });
        agent = build(h.client);
        agent.create(NodeAgentIT.guaranteed("web", "500m", "128Mi"));
        agent.create(NodeAgentIT.guaranteed("db", "500m", "128Mi"));
        agent.update("default", "web", NodeAgentIT.guaranteed("web", "700m", "128Mi"), null, true, false);
        PodView web = settled("web", 2);
        PodView db = settled("db", 1);
        agent.close();
        agent = null;
        Path snapshot = dir.resolve("state").resolve(StatusSnapshot.FILE);
        assertThat(snapshot).exists();
        long sandboxes = h.fake.callCount(CriRpc.RUN_POD_SANDBOX);
        long updates = h.fake.callCount(CriRpc.UPDATE_CONTAINER_RESOURCES);

        hold.set(true);
        CompletableFuture<NodeAgent> starting = CompletableFuture.supplyAsync(() -> build(holdingListings()));
        assertThat(listingEntered.await(10, TimeUnit.SECONDS)).isTrue();
        // ready while the runtime's listing is still unanswered
        agent = starting.get(10, TimeUnit.SECONDS);
        assertThat(agent.startedFromStatusSnapshot()).isTrue();
        assertThat(snapshot).as("taken: a start after a crash does not find it").doesNotExist();

        // served as the clean stop left them: running, the same containers, the actual resources last read back
        PodView webNow = agent.get("default", "web").orElseThrow();
        assertThat(webNow.status().phase()).isEqualTo("Running");
        assertThat(app(webNow).state()).isEqualTo("running");
        assertThat(app(webNow).containerId()).isEqualTo(app(web).containerId());
        assertThat(app(webNow).resources()).isEqualTo(app(web).resources());
        assertThat(app(webNow).resources().limits()).containsEntry("cpu", Quantity.parse("700m"));
        assertThat(app(webNow).allocatedResources().requests()).containsEntry("cpu", Quantity.parse("700m"));
        assertThat(webNow.status().resize()).isNull();

        // a resize sent meanwhile is admitted at once (allocatedResources, in progress) and enacted only later
        agent.update("default", "db", NodeAgentIT.guaranteed("db", "900m", "128Mi"), null, true, false);
        await().atMost(WAIT).until(() -> agent.get("default", "db").map(v -> v.status().observedGeneration() == 2)
                .orElse(false));
        PodView dbAdmitted = agent.get("default", "db").orElseThrow();
        assertThat(app(dbAdmitted).allocatedResources().requests()).containsEntry("cpu", Quantity.parse("900m"));
        assertThat(app(dbAdmitted).state()).isEqualTo("running");
        assertThat(app(dbAdmitted).resources().limits()).as("the runtime's last values until it is read")
                .containsEntry("cpu", Quantity.parse("500m"));
        assertThat(dbAdmitted.status().resize()).isEqualTo("InProgress");
        assertThat(h.fake.callCount(CriRpc.UPDATE_CONTAINER_RESOURCES)).as("nothing enacted before the adoption")
                .isEqualTo(updates);

        release.countDown();
        PodView dbDone = settled("db", 2);
        assertThat(app(dbDone).resources().limits()).containsEntry("cpu", Quantity.parse("900m"));
        assertThat(app(dbDone).containerId()).as("adopted, not recreated").isEqualTo(app(db).containerId());
        assertThat(h.fake.callCount(CriRpc.UPDATE_CONTAINER_RESOURCES)).isGreaterThan(updates);
        assertThat(h.fake.callCount(CriRpc.RUN_POD_SANDBOX)).as("nothing started twice").isEqualTo(sandboxes);
        assertThat(app(settled("web", 2)).containerId()).isEqualTo(app(web).containerId());
    }

    /** A runtime and an agent that ran one pod, "web", and stopped cleanly; the pod as it was. */
    private PodView stoppedAfterRunningWeb() {
        h = new RuntimeHarness(dir, b -> { });
        agent = build(h.client);
        agent.create(NodeAgentIT.guaranteed("web", "500m", "128Mi"));
        PodView web = settled("web", 1);
        agent.close();
        agent = null;
        return web;
    }

    @Test
    void withoutASnapshotTheStartWaitsForTheRuntimeAndADamagedOneIsIgnored() throws Exception {
        PodView web = stoppedAfterRunningWeb();
        Path snapshot = dir.resolve("state").resolve(StatusSnapshot.FILE);
        byte[] bytes = Files.readAllBytes(snapshot);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(snapshot, bytes);

        hold.set(true);
        AtomicBoolean released = new AtomicBoolean();
        CompletableFuture<NodeAgent> starting = CompletableFuture.supplyAsync(() -> build(holdingListings()));
        assertThat(listingEntered.await(10, TimeUnit.SECONDS)).isTrue();
        // the start is held by the listing: it can only end after the release below
        CompletableFuture<Boolean> readyAfterRelease = starting.thenApply(a -> released.get());
        released.set(true);
        release.countDown();
        agent = starting.get(10, TimeUnit.SECONDS);

        assertThat(readyAfterRelease.get(10, TimeUnit.SECONDS)).as("ready only once the runtime answered").isTrue();
        assertThat(agent.startedFromStatusSnapshot()).isFalse();
        assertThat(snapshot).doesNotExist();
        PodView now = agent.get("default", "web").orElseThrow();
        assertThat(app(now).state()).isEqualTo("running");
        assertThat(app(now).containerId()).isEqualTo(app(web).containerId());
    }

    @Test
    void aPodBeingDeletedBeforeTheAdoptionGetsNoRestoredPassAndNothingIsStartedForIt() throws Exception {
        h = new RuntimeHarness(dir, b -> { });
        agent = build(h.client);
        agent.create(NodeAgentIT.guaranteed("web", "500m", "128Mi"));
        agent.create(NodeAgentIT.guaranteed("gone", "500m", "128Mi"));
        PodView web = settled("web", 1);
        settled("gone", 1);
        agent.close();
        agent = null;
        // behind the agent's back, the runtime lost the pod's sandbox: a restored pass would start it again
        for (var sandbox : h.client.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            if (sandbox.getMetadata().getName().equals("gone")) {
                h.client.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandbox.getId()).build());
                h.client.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandbox.getId())
                        .build());
            }
        }
        long sandboxes = h.fake.callCount(CriRpc.RUN_POD_SANDBOX);

        hold.set(true);
        CompletableFuture<NodeAgent> starting = CompletableFuture.supplyAsync(() -> build(holdingListings()));
        assertThat(listingEntered.await(10, TimeUnit.SECONDS)).isTrue();
        agent = starting.get(10, TimeUnit.SECONDS);
        // a graceful delete: the pod keeps its allocation until its teardown is done
        agent.delete("default", "gone");
        release.countDown();

        await().atMost(WAIT).until(() -> agent.get("default", "gone").isEmpty());
        PodView webAfter = settled("web", 1);
        assertThat(app(webAfter).containerId()).isEqualTo(app(web).containerId());
        // the relist has run since the adoption (its passes with it): still nothing started for the deleted pod
        long relists = h.fake.callCount(CriRpc.LIST_CONTAINERS);
        await().atMost(WAIT).until(() -> h.fake.callCount(CriRpc.LIST_CONTAINERS) >= relists + 2);
        assertThat(h.fake.callCount(CriRpc.RUN_POD_SANDBOX)).as("no sandbox started for the deleted pod")
                .isEqualTo(sandboxes);
    }

    @Test
    void afterACrashTheStartAdoptsBeforeReadyAndServesTheRuntimesView() throws Exception {
        PodView web = stoppedAfterRunningWeb();
        // kill -9 leaves no snapshot
        Files.delete(dir.resolve("state").resolve(StatusSnapshot.FILE));
        long sandboxes = h.fake.callCount(CriRpc.RUN_POD_SANDBOX);

        agent = build(h.client);

        assertThat(agent.startedFromStatusSnapshot()).isFalse();
        // ready only after the adoption: at once the adopted container, from the runtime's listing
        PodView now = agent.get("default", "web").orElseThrow();
        assertThat(app(now).state()).isEqualTo("running");
        assertThat(app(now).containerId()).isEqualTo(app(web).containerId());
        assertThat(app(now).allocatedResources().requests()).containsEntry("cpu", Quantity.parse("500m"));
        assertThat(app(settled("web", 1)).resources().limits()).containsEntry("cpu", Quantity.parse("500m"));
        assertThat(h.fake.callCount(CriRpc.RUN_POD_SANDBOX)).isEqualTo(sandboxes);
    }

    /**
     * A downgrade to a release that ignores the snapshot, then an upgrade: the old snapshot is back beside logs that
     * were written since. Its sizes of the logs tell: it is not served, the start waits for the runtime.
     */
    @Test
    void aSnapshotOlderThanTheLogsBesideItIsNotServed() throws Exception {
        stoppedAfterRunningWeb();
        Path snapshot = dir.resolve("state").resolve(StatusSnapshot.FILE);
        byte[] left = Files.readAllBytes(snapshot);
        // the other release's run: it resizes the pod (both logs grow) and leaves no snapshot of its own
        Files.delete(snapshot);
        agent = build(h.client);
        agent.update("default", "web", NodeAgentIT.guaranteed("web", "700m", "128Mi"), null, true, false);
        settled("web", 2);
        agent.close();
        agent = null;
        Files.delete(snapshot);
        Files.write(snapshot, left);

        agent = build(h.client);

        assertThat(agent.startedFromStatusSnapshot()).as("served only with the logs it was left with").isFalse();
        assertThat(snapshot).as("taken all the same").doesNotExist();
        // at ready: the runtime's values, never the old snapshot's 500m
        assertThat(app(agent.get("default", "web").orElseThrow()).resources().limits()).containsEntry("cpu",
                Quantity.parse("700m"));

        // and a snapshot that matches its logs is served again at the next clean restart
        agent.close();
        agent = build(h.client);
        assertThat(agent.startedFromStatusSnapshot()).isTrue();
    }

    /** A start that fails after the logs were opened closes them again (and stops every thread it started). */
    @Test
    void aStartThatFailsHoldsNoLogOpenAndTheNextStartWorks() throws Exception {
        PodView web = stoppedAfterRunningWeb();
        Files.delete(dir.resolve("state").resolve(StatusSnapshot.FILE)); // a crash: the adoption runs before ready
        CriRuntime failing = (CriRuntime) Proxy.newProxyInstance(CriRuntime.class.getClassLoader(),
                new Class<?>[] {CriRuntime.class}, (proxy, method, args) -> {
                    if (method.getName().equals("listContainers")) {
                        throw new IllegalStateException("injected: a bug in the adoption");
                    }
                    try {
                        return method.invoke(h.client, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });

        assertThatThrownBy(() -> build(failing)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("injected");

        assertThat(openFilesUnder(dir.resolve("state"))).as("the pod store's and the journal's logs closed").isEmpty();
        agent = build(h.client);
        assertThat(app(settled("web", 1)).containerId()).isEqualTo(app(web).containerId());
    }

    /** The files under {@code root} this process holds open (its /proc/self/fd links). */
    private static java.util.List<Path> openFilesUnder(Path root) throws java.io.IOException {
        java.util.List<Path> open = new java.util.ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.startsWith(root.toRealPath())) {
                        open.add(target);
                    }
                } catch (java.io.IOException e) {
                    // closed meanwhile (the listing's own descriptor)
                }
            }
        }
        return open;
    }
}
