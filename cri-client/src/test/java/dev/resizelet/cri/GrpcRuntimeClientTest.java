package dev.resizelet.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resizelet.cri.v1.ContainerEventResponse;
import dev.resizelet.cri.v1.ContainerEventType;
import dev.resizelet.cri.v1.CreateContainerRequest;
import dev.resizelet.cri.v1.LinuxContainerResources;
import dev.resizelet.cri.v1.ListContainersRequest;
import dev.resizelet.cri.v1.RemoveContainerRequest;
import dev.resizelet.cri.v1.StartContainerRequest;
import dev.resizelet.cri.v1.StatusRequest;
import dev.resizelet.cri.v1.StopPodSandboxRequest;
import dev.resizelet.cri.v1.UpdatePodSandboxResourcesRequest;
import dev.resizelet.cri.v1.VersionRequest;
import dev.resizelet.fakecri.CriRpc;
import dev.resizelet.fakecri.FakeRuntime;
import dev.resizelet.fakecri.FakeRuntimeServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client against the fake runtime on an in-process channel. */
class GrpcRuntimeClientTest {
    FakeRuntimeServer server;
    ManagedChannel channel;
    GrpcRuntimeClient client;

    FakeRuntime serve(FakeRuntime.Builder builder, Duration timeout) {
        FakeRuntime runtime = builder.build();
        server = FakeRuntimeServer.inProcess(runtime, "cri-client-" + UUID.randomUUID());
        channel = server.newInProcessChannel();
        client = new GrpcRuntimeClient(channel, CriClientOptions.defaults().withRequestTimeout(timeout));
        return runtime;
    }

    FakeRuntime serve() {
        return serve(FakeRuntime.builder(), Duration.ofSeconds(10));
    }

    @AfterEach
    void tearDown() {
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

    @Test
    void handshakeAcceptsARuntimeV1() {
        FakeRuntime runtime = serve(FakeRuntime.builder().runtimeName("containerd").runtimeVersion("1.7.24"),
                Duration.ofSeconds(10));

        var v = client.handshake();

        assertThat(v.getRuntimeName()).isEqualTo("containerd");
        assertThat(v.getRuntimeApiVersion()).isEqualTo("v1");
        assertThat(runtime.calls(CriRpc.VERSION)).singleElement()
                .satisfies(c -> assertThat(((VersionRequest) c.request()).getVersion()).isEqualTo("0.1.0"));
    }

    @Test
    void handshakeRejectsARuntimeThatIsNotV1() {
        serve(FakeRuntime.builder().runtimeApiVersion("v1alpha2"), Duration.ofSeconds(10));

        CriHandshakeException e = assertThrows(CriHandshakeException.class, client::handshake);

        assertThat(e.getMessage()).contains("does not serve runtime.v1").contains("\"v1alpha2\"");
    }

    @Test
    void handshakeRejectsARuntimeWithoutTheV1Service() {
        FakeRuntime runtime = serve();
        runtime.injectError(CriRpc.VERSION, Status.UNIMPLEMENTED.withDescription("unknown service runtime.v1.RuntimeService"));

        CriHandshakeException e = assertThrows(CriHandshakeException.class, client::handshake);

        assertThat(e.getMessage()).contains("Version is unimplemented").contains("unknown service");
        assertThat(e.getCause()).isNotNull();
    }

    @Test
    void runtimeErrorsComeBackTypedWithRpcAndId() {
        FakeRuntime runtime = serve();
        runtime.injectError(CriRpc.UPDATE_CONTAINER_RESOURCES, Status.UNAVAILABLE.withDescription("injected outage"), 1);

        CriUnavailableException unavailable = assertThrows(CriUnavailableException.class,
                () -> client.updateContainerResources("c0ffee", LinuxContainerResources.newBuilder().setCpuShares(2).build()));
        CriNotFoundException notFound = assertThrows(CriNotFoundException.class,
                () -> client.updateContainerResources("c0ffee", LinuxContainerResources.newBuilder().setCpuShares(2).build()));
        CriInvalidArgumentException invalid = assertThrows(CriInvalidArgumentException.class,
                () -> client.containerStatus(""));
        CriNotFoundException sandbox = assertThrows(CriNotFoundException.class,
                () -> client.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId("5a4d").build()));

        assertThat(unavailable.getMessage())
                .isEqualTo("CRI UpdateContainerResources failed for container c0ffee: UNAVAILABLE: injected outage");
        assertThat(notFound.getMessage()).startsWith("CRI UpdateContainerResources failed for container c0ffee: NOT_FOUND: ")
                .contains("c0ffee");
        assertThat(invalid.rpc()).isEqualTo("ContainerStatus");
        assertThat(invalid.runtimeMessage()).contains("must not be empty");
        assertThat(sandbox.target()).isEqualTo(CriException.Target.SANDBOX);
        assertThat(sandbox.targetId()).isEqualTo("5a4d");
    }

    @Test
    void unimplementedPodSandboxResourcesIsItsOwnType() {
        FakeRuntime runtime = serve(FakeRuntime.builder().podSandboxResourcesUnimplemented(true), Duration.ofSeconds(10));
        String sandbox = client.runPodSandbox(Pods.runPodSandbox("web", "u1", "/kubepods/podu1")).getPodSandboxId();

        CriUnimplementedException e = assertThrows(CriUnimplementedException.class,
                () -> client.updatePodSandboxResources(UpdatePodSandboxResourcesRequest.newBuilder()
                        .setPodSandboxId(sandbox).build()));

        assertThat(e.getMessage()).contains("UpdatePodSandboxResources").contains(sandbox);
        assertThat(runtime.sandboxResources(sandbox)).isEmpty();
    }

    @Test
    void latencyBeyondTheDeadlineIsDeadlineExceeded() {
        FakeRuntime runtime = serve(FakeRuntime.builder(), Duration.ofMillis(300));
        runtime.setLatency(CriRpc.LIST_CONTAINERS, Duration.ofSeconds(30));

        CriDeadlineExceededException e = assertThrows(CriDeadlineExceededException.class,
                () -> client.listContainers(ListContainersRequest.getDefaultInstance()));

        assertThat(e.rpc()).isEqualTo("ListContainers");
        assertThat(e.getMessage()).startsWith("CRI ListContainers failed: DEADLINE_EXCEEDED");
        runtime.clearLatencies();
        assertThat(client.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()).isEmpty();
    }

    @Test
    void statusAnswers() {
        serve();

        assertThat(client.status(StatusRequest.getDefaultInstance()).getStatus().getConditionsList())
                .extracting(c -> c.getType() + "=" + c.getStatus())
                .containsExactly("RuntimeReady=true", "NetworkReady=true");
    }

    @Test
    void eventsArriveInOrderUntilCancelled() {
        FakeRuntime runtime = serve();
        List<ContainerEventResponse> events = new CopyOnWriteArrayList<>();
        CriSubscription sub = client.subscribeContainerEvents(events::add);
        await().atMost(Duration.ofSeconds(5)).until(() -> runtime.eventSubscriberCount() == 1);
        String sandbox = client.runPodSandbox(Pods.runPodSandbox("web", "u1", "")).getPodSandboxId();

        String id = client.createContainer(Pods.createContainer(sandbox, "app", Pods.resources(100, 200, 1 << 26)))
                .getContainerId();
        client.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        client.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());

        await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 4);
        assertThat(events).extracting(ContainerEventResponse::getContainerEventType).containsExactly(
                ContainerEventType.CONTAINER_CREATED_EVENT, ContainerEventType.CONTAINER_STARTED_EVENT,
                ContainerEventType.CONTAINER_STOPPED_EVENT, ContainerEventType.CONTAINER_DELETED_EVENT);
        assertThat(sub.isActive()).isTrue();

        sub.cancel();

        assertThat(sub.isActive()).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> runtime.eventSubscriberCount() == 0);
    }

    @Test
    void containerStatesAreTheListingsIdsSandboxesNamesStatesAndTimesWithNothingElseKept() {
        serve();
        String sandbox = client.runPodSandbox(Pods.runPodSandbox("web", "u1", "")).getPodSandboxId();
        CreateContainerRequest labelled = Pods.createContainer(sandbox, "app", Pods.resources(100, 200, 1 << 26));
        labelled = labelled.toBuilder().setConfig(labelled.getConfig().toBuilder()
                .putLabels("io.kubernetes.pod.uid", "u1").putAnnotations("note", "x".repeat(512))).build();
        String running = client.createContainer(labelled).getContainerId();
        client.startContainer(StartContainerRequest.newBuilder().setContainerId(running).build());
        String created = client.createContainer(Pods.createContainer(sandbox, "side", Pods.resources(100, 200, 1 << 26)))
                .getContainerId();

        var full = client.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList();
        var states = client.listContainerStates(ListContainersRequest.getDefaultInstance()).getContainersList();

        assertThat(full).extracting(c -> c.getLabelsMap().get("io.kubernetes.pod.uid")).contains("u1");
        assertThat(states).extracting(c -> c.getId() + " " + c.getPodSandboxId() + " " + c.getMetadata().getName() + " "
                + c.getState() + " " + c.getCreatedAt())
                .containsExactlyElementsOf(full.stream().map(c -> c.getId() + " " + c.getPodSandboxId() + " "
                        + c.getMetadata().getName() + " " + c.getState() + " " + c.getCreatedAt()).toList())
                .hasSize(2).anyMatch(l -> l.startsWith(running) && l.contains("CONTAINER_RUNNING"))
                .anyMatch(l -> l.startsWith(created) && l.contains("CONTAINER_CREATED"));
        assertThat(states).allSatisfy(c -> assertThat(c.getUnknownFields().asMap()).as("labels, annotations, image")
                .isEmpty());
        // the interface's default (a runtime that is not this client) converts the full answer to the same
        CriRuntime plain = (CriRuntime) java.lang.reflect.Proxy.newProxyInstance(CriRuntime.class.getClassLoader(),
                new Class<?>[] {CriRuntime.class}, (proxy, method, args) -> method.isDefault()
                        ? java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args)
                        : method.invoke(client, args));
        assertThat(plain.listContainerStates(ListContainersRequest.getDefaultInstance()).getContainersList())
                .isEqualTo(states);
    }

    @Test
    void oneClientServesManyThreadsAtOnce() throws Exception {
        FakeRuntime runtime = serve();
        String sandbox = client.runPodSandbox(Pods.runPodSandbox("web", "u1", "")).getPodSandboxId();
        String id = client.createContainer(Pods.createContainer(sandbox, "app", Pods.resources(100, 200, 1 << 26)))
                .getContainerId();
        int threads = 8;
        int callsPerThread = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long shares = 2 + t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < callsPerThread; i++) {
                        client.updateContainerResources(id, LinuxContainerResources.newBuilder().setCpuShares(shares).build());
                        assertThat(client.containerStatus(id).getStatus().getResources().getLinux().getCpuShares())
                                .isBetween(2L, 2L + threads - 1);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(runtime.callCount(CriRpc.UPDATE_CONTAINER_RESOURCES)).isEqualTo(threads * callsPerThread);
        assertThat(runtime.callCount(CriRpc.CONTAINER_STATUS)).isEqualTo(threads * callsPerThread);
    }

    @Test
    void closingAClientOnABorrowedChannelLeavesTheChannelOpen() {
        serve();

        client.close();

        assertThat(channel.isShutdown()).isFalse();
    }
}
