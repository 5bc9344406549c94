package dev.resizelet.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.resizelet.cri.CriClientOptions;
import dev.resizelet.cri.GrpcRuntimeClient;
import dev.resizelet.cri.v1.ContainerConfig;
import dev.resizelet.cri.v1.ContainerMetadata;
import dev.resizelet.cri.v1.CreateContainerRequest;
import dev.resizelet.cri.v1.PodSandboxConfig;
import dev.resizelet.cri.v1.PodSandboxMetadata;
import dev.resizelet.cri.v1.RunPodSandboxRequest;
import dev.resizelet.fakecri.CriRpc;
import dev.resizelet.fakecri.FakeRuntime;
import dev.resizelet.fakecri.FakeRuntimeServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RuntimeEventsTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    final ManualScheduler scheduler = new ManualScheduler(T0);
    final List<String> lines = new CopyOnWriteArrayList<>();
    final List<String> handled = new CopyOnWriteArrayList<>();
    final List<String> handlerThreads = new CopyOnWriteArrayList<>();
    FakeRuntime fake;
    FakeRuntimeServer server;
    ManagedChannel channel;
    GrpcRuntimeClient client;
    RuntimeEvents events;

    void start(FakeRuntime.Builder builder) {
        fake = builder.build();
        server = FakeRuntimeServer.inProcess(fake, "events-" + UUID.randomUUID());
        channel = server.newInProcessChannel();
        client = new GrpcRuntimeClient(channel, CriClientOptions.defaults());
        Consumer<String> handler = id -> {
            handlerThreads.add(Thread.currentThread().getName());
            handled.add(id);
        };
        events = new RuntimeEvents(client, scheduler, handler, scheduler.clock(), RuntimeEvents.Policy.DEFAULT,
                (level, message) -> lines.add(level + " " + message));
    }

    @AfterEach
    void stop() {
        if (events != null) {
            events.close();
        }
        if (client != null) {
            client.close();
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.close();
        }
    }

    long subscribeCalls() {
        return fake.callCount(CriRpc.GET_CONTAINER_EVENTS);
    }

    /** Runs the next retry and waits until its answer has been handled (the one after it is scheduled). */
    void nextAttemptFails() {
        long before = subscribeCalls();
        assertThat(scheduler.runNext()).isTrue();
        await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
                .until(() -> subscribeCalls() == before + 1 && scheduler.pending() == 1);
    }

    /** A container that is created and stopped: the stopped event is the one the agent acts on. */
    String createContainer() {
        PodSandboxConfig sandbox = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName("p").setNamespace("default").setUid("u1")).build();
        String sandboxId = client.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(sandbox).build())
                .getPodSandboxId();
        String id = client.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sandboxId)
                .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("c")))
                .build()).getContainerId();
        client.stopContainer(dev.resizelet.cri.v1.StopContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    @Test
    void aRuntimeWithoutTheStreamIsLoggedOnceAndAskedAgainOnlyOnTheLongBackoff() {
        start(FakeRuntime.builder().containerEventsUnimplemented(true));

        events.subscribe();
        await().atMost(WAIT).until(() -> scheduler.pending() == 1);
        while (scheduler.now().isBefore(T0.plus(Duration.ofDays(1)))) { // a simulated idle day
            nextAttemptFails();
        }

        assertThat(events.state()).isEqualTo(RuntimeEvents.State.UNIMPLEMENTED);
        long retriesPerDay = Duration.ofDays(1).dividedBy(RuntimeEvents.Policy.DEFAULT.unimplementedRetry());
        assertThat(subscribeCalls()).isEqualTo(1 + retriesPerDay).isLessThanOrEqualTo(145);
        assertThat(scheduler.delays()).containsOnly(Duration.ofMinutes(10));
        assertThat(lines).singleElement().satisfies(l -> assertThat(l)
                .startsWith("INFO runtime does not implement GetContainerEvents, following containers by relist alone")
                .contains("tried again every 10m").contains("UNIMPLEMENTED"));
    }

    @Test
    void aReconnectTriesTheStreamAtOnceAndEventsReachTheHandlerOnTheScheduler() {
        start(FakeRuntime.builder().containerEventsUnimplemented(true));
        events.subscribe();
        await().atMost(WAIT).until(() -> scheduler.pending() == 1);

        fake.setContainerEventsUnimplemented(false); // containerd upgraded and restarted
        events.resubscribeNow();
        await().atMost(WAIT).until(() -> fake.eventSubscriberCount() == 1);
        assertThat(scheduler.pending()).isZero(); // the long retry was cancelled
        assertThat(subscribeCalls()).isEqualTo(2);

        String id = createContainer();
        await().atMost(WAIT).until(() -> scheduler.pending() == 1); // handed over, not handled on the gRPC thread

        assertThat(handled).isEmpty();
        scheduler.runDue();
        assertThat(handled).containsExactly(id);
        assertThat(handlerThreads).containsOnly(Thread.currentThread().getName());
        assertThat(events.state()).isEqualTo(RuntimeEvents.State.STREAMING);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).isEqualTo("INFO container event stream resumed");
    }

    @Test
    void otherFailuresBackOffExponentiallyToTheCapWithOneLinePerStateChange() {
        start(FakeRuntime.builder());
        fake.injectError(CriRpc.GET_CONTAINER_EVENTS, Status.UNAVAILABLE.withDescription("connection refused"));

        events.subscribe();
        await().atMost(WAIT).until(() -> scheduler.pending() == 1);
        for (int i = 0; i < 9; i++) {
            nextAttemptFails();
        }

        assertThat(subscribeCalls()).isEqualTo(10);
        assertThat(scheduler.delays()).extracting(Duration::toSeconds)
                .containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L, 60L);
        assertThat(events.state()).isEqualTo(RuntimeEvents.State.FAILING);
        assertThat(lines).singleElement().satisfies(l -> assertThat(l)
                .startsWith("WARN container event stream failed, retrying with backoff up to 1m (relist goes on)")
                .contains("connection refused"));

        fake.clearError(CriRpc.GET_CONTAINER_EVENTS);
        assertThat(scheduler.runNext()).isTrue();
        await().atMost(WAIT).until(() -> fake.eventSubscriberCount() == 1);
        String id = createContainer();
        await().atMost(WAIT).until(() -> scheduler.pending() == 1);
        scheduler.runDue();

        assertThat(handled).containsExactly(id);
        assertThat(lines).hasSize(2).last().isEqualTo("INFO container event stream resumed");

        fake.completeEventStreams(); // the runtime ends a stream that worked: the backoff starts over
        await().atMost(WAIT).until(() -> scheduler.pending() == 1);

        assertThat(scheduler.delays()).last().isEqualTo(Duration.ofSeconds(1));
        assertThat(lines).hasSize(3).last().asString().startsWith("WARN container event stream ended by the runtime");
    }

    @Test
    void aStreamThatLivedLongRestartsTheBackoffEvenWithoutEvents() {
        start(FakeRuntime.builder());
        fake.injectError(CriRpc.GET_CONTAINER_EVENTS, Status.UNAVAILABLE, 3);
        events.subscribe();
        await().atMost(WAIT).until(() -> scheduler.pending() == 1);
        nextAttemptFails();
        nextAttemptFails();
        assertThat(scheduler.runNext()).isTrue(); // the fourth attempt opens
        await().atMost(WAIT).until(() -> fake.eventSubscriberCount() == 1);

        scheduler.schedule(() -> { }, 2, java.util.concurrent.TimeUnit.MINUTES); // let two quiet minutes pass
        scheduler.runNext();
        fake.completeEventStreams();
        await().atMost(WAIT).until(() -> scheduler.pending() == 1);

        assertThat(scheduler.delays()).extracting(Duration::toSeconds).containsExactly(1L, 2L, 4L, 120L, 1L);
        assertThat(lines).hasSize(1); // still failing as far as the log knows: no new line
    }

    @Test
    void closeCancelsTheStreamAndTheRetry() {
        start(FakeRuntime.builder());
        events.subscribe();
        await().atMost(WAIT).until(() -> fake.eventSubscriberCount() == 1);

        events.close();

        await().atMost(WAIT).until(() -> fake.eventSubscriberCount() == 0);
        assertThat(scheduler.pending()).isZero();
        assertThat(events.state()).isEqualTo(RuntimeEvents.State.CLOSED);
        assertThat(lines).isEmpty();
    }
}
