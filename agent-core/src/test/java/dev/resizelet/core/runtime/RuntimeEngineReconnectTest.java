package dev.resizelet.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.core.enact.ActuationRecords;
import dev.resizelet.core.enact.Backoff;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.cri.CriClientOptions;
import dev.resizelet.cri.GrpcRuntimeClient;
import dev.resizelet.fakecri.CriRpc;
import dev.resizelet.fakecri.FakeRuntime;
import dev.resizelet.fakecri.FakeRuntimeServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine tells the event stream when the runtime is back: a relist that succeeds after failing ones (the runtime
 * restarted or the connection came back) asks for {@code GetContainerEvents} at once instead of after the 10-minute
 * wait a runtime without the stream otherwise gets.
 */
class RuntimeEngineReconnectTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    FakeRuntime fake;
    FakeRuntimeServer server;
    ManagedChannel channel;
    GrpcRuntimeClient client;
    ExecutorService workers = Executors.newSingleThreadExecutor();
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    RuntimeEngine engine;

    @BeforeEach
    void start() throws Exception {
        for (String controller : new String[] {"cpu", "memory", "cpuset", "pids"}) {
            Files.createDirectories(dir.resolve(controller).resolve("kubepods"));
        }
        CgroupManager cgroups = new CgroupManager(new CgroupConfig(dir, "kubepods", CgroupVersion.V1, CgroupDriver.CGROUPFS),
                CgroupFs.real());
        fake = FakeRuntime.builder().containerEventsUnimplemented(true).build(); // containerd 1.6
        server = FakeRuntimeServer.inProcess(fake, "reconnect-" + UUID.randomUUID());
        channel = server.newInProcessChannel();
        client = new GrpcRuntimeClient(channel, CriClientOptions.defaults());
        ActuationRecords none = new ActuationRecords() {
            @Override
            public Map<String, ResourceValues> actuated(PodUid podUid) {
                return Map.of();
            }

            @Override
            public CompletableFuture<Void> record(PodUid podUid, Map<String, ResourceValues> actuated, String error) {
                return CompletableFuture.completedFuture(null);
            }
        };
        engine = new RuntimeEngine(client, cgroups, none, workers, scheduler, Backoff.DEFAULT, new RuntimeListener() { });
        engine.start(Duration.ofHours(1)); // the test relists by hand
        await().atMost(WAIT).until(() -> fake.callCount(CriRpc.GET_CONTAINER_EVENTS) == 1);
    }

    @AfterEach
    void stop() throws Exception {
        engine.close();
        workers.shutdownNow();
        scheduler.shutdownNow();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
    }

    @Test
    void aRelistThatSucceedsAfterFailingOnesResubscribesAtOnce() {
        fake.injectError(CriRpc.LIST_CONTAINERS, Status.UNAVAILABLE.withDescription("connection refused"));
        engine.relistAll();
        engine.relistAll();
        assertThat(fake.callCount(CriRpc.GET_CONTAINER_EVENTS)).as("no stream attempt while the runtime is away").isEqualTo(1);

        fake.setContainerEventsUnimplemented(false); // containerd came back upgraded
        fake.clearError(CriRpc.LIST_CONTAINERS);
        engine.relistAll();

        await().atMost(WAIT).until(() -> fake.eventSubscriberCount() == 1);
        assertThat(fake.callCount(CriRpc.GET_CONTAINER_EVENTS)).isEqualTo(2);
        engine.relistAll(); // healthy relists after that ask for nothing more
        assertThat(fake.callCount(CriRpc.GET_CONTAINER_EVENTS)).isEqualTo(2);
    }

    @Test
    void relistsThatNeverFailedLeaveTheStreamAlone() {
        fake.setContainerEventsUnimplemented(false);

        for (int i = 0; i < 5; i++) {
            engine.relistAll();
        }

        assertThat(fake.callCount(CriRpc.GET_CONTAINER_EVENTS)).as("the 10-minute retry is not shortened").isEqualTo(1);
        assertThat(fake.eventSubscriberCount()).isZero();
    }
}
