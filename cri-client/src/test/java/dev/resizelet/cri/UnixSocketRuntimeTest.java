package dev.resizelet.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.cri.v1.ContainerEventResponse;
import dev.resizelet.cri.v1.ContainerEventType;
import dev.resizelet.cri.v1.ContainerState;
import dev.resizelet.cri.v1.ContainerStatus;
import dev.resizelet.cri.v1.ContainerStatusRequest;
import dev.resizelet.cri.v1.LinuxContainerResources;
import dev.resizelet.cri.v1.ListContainersRequest;
import dev.resizelet.cri.v1.ListPodSandboxRequest;
import dev.resizelet.cri.v1.RemoveContainerRequest;
import dev.resizelet.cri.v1.RemovePodSandboxRequest;
import dev.resizelet.cri.v1.StartContainerRequest;
import dev.resizelet.cri.v1.StopContainerRequest;
import dev.resizelet.cri.v1.StopPodSandboxRequest;
import dev.resizelet.fakecri.CriRpc;
import dev.resizelet.fakecri.FakeRuntime;
import dev.resizelet.fakecri.FakeRuntimeServer;
import dev.resizelet.fakecri.RecordedCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Client and fake runtime over a real Unix domain socket, with a real (temporary) cgroup tree. */
class UnixSocketRuntimeTest {
    static final String POD = "kubepods/burstable/pod6f1c";

    @TempDir
    Path dir;

    Path socket;
    Path cgroupRoot;
    FakeRuntime runtime;
    FakeRuntimeServer server;
    GrpcRuntimeClient client;

    void serve(CgroupVersion version, CriClientOptions options) {
        serve(version, options, false);
    }

    void serve(CgroupVersion version, CriClientOptions options, boolean handlersOnTransportThread) {
        socket = dir.resolve("containerd.sock");
        cgroupRoot = dir.resolve("cgroup");
        CgroupManager cgroups = new CgroupManager(
                new CgroupConfig(cgroupRoot, "kubepods", version, CgroupDriver.CGROUPFS), CgroupFs.real());
        runtime = FakeRuntime.builder().cgroups(cgroups).runtimeName("fake-containerd").build();
        server = FakeRuntimeServer.unixSocket(runtime, socket, handlersOnTransportThread);
        client = GrpcRuntimeClient.connect("unix://" + socket, options);
    }

    static CriClientOptions fastOptions() {
        return CriClientOptions.defaults().withRequestTimeout(Duration.ofSeconds(5)).withConnectTimeout(Duration.ofSeconds(5));
    }

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** The control file of the container's cgroup, in the layout of the version. */
    String file(CgroupVersion version, String containerId, String name) throws IOException {
        String controller = version == CgroupVersion.V2 ? "" : name.startsWith("memory.") ? "memory/" : "cpu/";
        return Files.readString(cgroupRoot.resolve(controller + POD + "/" + containerId + "/" + name)).trim();
    }

    @ParameterizedTest
    @EnumSource(CgroupVersion.class)
    void fullPodLifecycleWithResizes(CgroupVersion version) throws IOException {
        serve(version, fastOptions());
        assertThat(socket).exists();

        String sandbox = client.runPodSandbox(Pods.runPodSandbox("web", "6f1c", "/" + POD)).getPodSandboxId();
        String id = client.createContainer(Pods.createContainer(sandbox, "app", Pods.resources(250, 500, 128L << 20)))
                .getContainerId();
        client.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());

        ContainerStatus st = client.containerStatus(id).getStatus();
        assertThat(st.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(st.getResources().getLinux().getCpuShares()).isEqualTo(256);
        assertThat(st.getResources().getLinux().getCpuQuota()).isEqualTo(50_000);
        assertThat(st.getResources().getLinux().getMemoryLimitInBytes()).isEqualTo(128L << 20);

        // grow: 500m/1000m, 256Mi
        client.updateContainerResources(id, Pods.resources(500, 1000, 256L << 20));

        LinuxContainerResources grown = client.containerStatus(id).getStatus().getResources().getLinux();
        assertThat(grown.getCpuShares()).isEqualTo(512);
        assertThat(grown.getCpuQuota()).isEqualTo(100_000);
        assertThat(grown.getMemoryLimitInBytes()).isEqualTo(256L << 20);
        if (version == CgroupVersion.V1) {
            assertThat(file(version, id, "cpu.shares")).isEqualTo("512");
            assertThat(file(version, id, "cpu.cfs_quota_us")).isEqualTo("100000");
            assertThat(file(version, id, "cpu.cfs_period_us")).isEqualTo("100000");
            assertThat(file(version, id, "memory.limit_in_bytes")).isEqualTo("268435456");
        } else {
            assertThat(file(version, id, "cpu.weight")).isEqualTo("20"); // 1 + (510*9999)/262142
            assertThat(file(version, id, "cpu.max")).isEqualTo("100000 100000");
            assertThat(file(version, id, "memory.max")).isEqualTo("268435456");
        }

        // shrink: 100m/200m, 64Mi; memory only changes when sent non-zero
        client.updateContainerResources(id, Pods.resources(100, 200, 64L << 20));

        LinuxContainerResources shrunk = client.containerStatus(id).getStatus().getResources().getLinux();
        assertThat(shrunk.getCpuShares()).isEqualTo(102);
        assertThat(shrunk.getCpuQuota()).isEqualTo(20_000);
        assertThat(shrunk.getMemoryLimitInBytes()).isEqualTo(64L << 20);
        if (version == CgroupVersion.V1) {
            assertThat(file(version, id, "cpu.shares")).isEqualTo("102");
            assertThat(file(version, id, "cpu.cfs_quota_us")).isEqualTo("20000");
            assertThat(file(version, id, "memory.limit_in_bytes")).isEqualTo("67108864");
        } else {
            assertThat(file(version, id, "cpu.weight")).isEqualTo("4"); // 1 + (100*9999)/262142
            assertThat(file(version, id, "cpu.max")).isEqualTo("20000 100000");
            assertThat(file(version, id, "memory.max")).isEqualTo("67108864");
        }

        client.stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(10).build());
        assertThat(client.containerStatus(id).getStatus().getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        client.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        assertThat(client.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()).isEmpty();
        String containerDir = (version == CgroupVersion.V1 ? "cpu/" : "") + POD + "/" + id;
        assertThat(cgroupRoot.resolve(containerDir)).doesNotExist();
        client.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandbox).build());
        client.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandbox).build());
        assertThat(client.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()).isEmpty();

        assertThat(runtime.calls()).extracting(RecordedCall::rpc).containsExactly(
                CriRpc.VERSION, CriRpc.RUN_POD_SANDBOX, CriRpc.CREATE_CONTAINER, CriRpc.START_CONTAINER,
                CriRpc.CONTAINER_STATUS, CriRpc.UPDATE_CONTAINER_RESOURCES, CriRpc.CONTAINER_STATUS,
                CriRpc.UPDATE_CONTAINER_RESOURCES, CriRpc.CONTAINER_STATUS, CriRpc.STOP_CONTAINER,
                CriRpc.CONTAINER_STATUS, CriRpc.REMOVE_CONTAINER, CriRpc.LIST_CONTAINERS, CriRpc.STOP_POD_SANDBOX,
                CriRpc.REMOVE_POD_SANDBOX, CriRpc.LIST_POD_SANDBOX);
    }

    @Test
    void injectedFaultsAreTypedAndNameTheCallAndContainer() throws IOException {
        serve(CgroupVersion.V1, fastOptions());
        String sandbox = client.runPodSandbox(Pods.runPodSandbox("web", "6f1c", POD)).getPodSandboxId();
        String id = client.createContainer(Pods.createContainer(sandbox, "app", Pods.resources(250, 500, 128L << 20)))
                .getContainerId();

        runtime.injectError(CriRpc.UPDATE_CONTAINER_RESOURCES, Status.UNAVAILABLE.withDescription("runtime busy"), 1);
        CriUnavailableException unavailable = assertThrows(CriUnavailableException.class,
                () -> client.updateContainerResources(id, Pods.resources(500, 1000, 256L << 20)));
        assertThat(unavailable.getMessage())
                .isEqualTo("CRI UpdateContainerResources failed for container " + id + ": UNAVAILABLE: runtime busy");

        runtime.setLatency(CriRpc.UPDATE_CONTAINER_RESOURCES, Duration.ofSeconds(30));
        try (GrpcRuntimeClient impatient = GrpcRuntimeClient.connect("unix://" + socket,
                fastOptions().withRequestTimeout(Duration.ofMillis(300)))) {
            CriDeadlineExceededException late = assertThrows(CriDeadlineExceededException.class,
                    () -> impatient.updateContainerResources(id, Pods.resources(500, 1000, 256L << 20)));
            assertThat(late.rpc()).isEqualTo("UpdateContainerResources");
            assertThat(late.targetId()).isEqualTo(id);
            assertThat(late.getMessage()).startsWith("CRI UpdateContainerResources failed for container " + id
                    + ": DEADLINE_EXCEEDED");
        }
        assertThat(file(CgroupVersion.V1, id, "cpu.shares")).as("neither call changed anything").isEqualTo("256");

        runtime.clearLatencies();
        client.updateContainerResources(id, Pods.resources(500, 1000, 256L << 20));
        assertThat(file(CgroupVersion.V1, id, "cpu.shares")).isEqualTo("512");
    }

    @ParameterizedTest(name = "handlers on the transport thread: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void asyncCallsAnswerLikeTheBlockingOnesAndFailTyped(boolean handlersOnTransportThread) throws Exception {
        serve(CgroupVersion.V1, fastOptions(), handlersOnTransportThread);
        String sandbox = client.runPodSandbox(Pods.runPodSandbox("web", "6f1c", POD)).getPodSandboxId();
        String a = client.createContainer(Pods.createContainer(sandbox, "a", Pods.resources(250, 500, 128L << 20)))
                .getContainerId();
        String b = client.createContainer(Pods.createContainer(sandbox, "b", Pods.resources(250, 500, 128L << 20)))
                .getContainerId();
        client.startContainer(StartContainerRequest.newBuilder().setContainerId(a).build());
        client.startContainer(StartContainerRequest.newBuilder().setContainerId(b).build());

        // both updates in flight at once, then both reads
        var ua = client.updateContainerResourcesAsync(dev.resizelet.cri.v1.UpdateContainerResourcesRequest.newBuilder()
                .setContainerId(a).setLinux(Pods.resources(500, 1000, 256L << 20)).build());
        var ub = client.updateContainerResourcesAsync(dev.resizelet.cri.v1.UpdateContainerResourcesRequest.newBuilder()
                .setContainerId(b).setLinux(Pods.resources(1000, 2000, 256L << 20)).build());
        ua.get(5, java.util.concurrent.TimeUnit.SECONDS);
        ub.get(5, java.util.concurrent.TimeUnit.SECONDS);
        var sa = client.containerStatusAsync(dev.resizelet.cri.v1.ContainerStatusRequest.newBuilder().setContainerId(a)
                .build());
        var sb = client.containerStatusAsync(dev.resizelet.cri.v1.ContainerStatusRequest.newBuilder().setContainerId(b)
                .build());

        assertThat(file(CgroupVersion.V1, a, "cpu.shares")).isEqualTo("512");
        assertThat(file(CgroupVersion.V1, b, "cpu.shares")).isEqualTo("1024");
        assertThat(sa.get(5, java.util.concurrent.TimeUnit.SECONDS).getStatus().getResources().getLinux().getCpuShares())
                .isEqualTo(512);
        assertThat(sb.get(5, java.util.concurrent.TimeUnit.SECONDS).getStatus().getResources().getLinux().getCpuShares())
                .isEqualTo(1024);
        assertThat(client.updatePodSandboxResourcesAsync(dev.resizelet.cri.v1.UpdatePodSandboxResourcesRequest
                .newBuilder().setPodSandboxId(sandbox).setResources(Pods.resources(1500, 3000, 512L << 20)).build())
                .get(5, java.util.concurrent.TimeUnit.SECONDS)).isNotNull();

        var missing = client.containerStatusAsync(dev.resizelet.cri.v1.ContainerStatusRequest.newBuilder()
                .setContainerId("nope").build());
        var failed = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> missing.get(5, java.util.concurrent.TimeUnit.SECONDS));
        assertThat(failed.getCause()).isInstanceOf(CriNotFoundException.class)
                .hasMessageStartingWith("CRI ContainerStatus failed for container nope: NOT_FOUND");
    }

    @Test
    void stopContainerMayTakeTheGracePeriodBeyondTheRequestTimeout() {
        serve(CgroupVersion.V1, fastOptions().withRequestTimeout(Duration.ofMillis(500)));
        String sandbox = client.runPodSandbox(Pods.runPodSandbox("web", "6f1c", POD)).getPodSandboxId();
        String id = client.createContainer(Pods.createContainer(sandbox, "app", Pods.resources(250, 500, 128L << 20)))
                .getContainerId();
        client.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        // the runtime answers after 1.5 s: past the 0.5 s request timeout, within it plus the 3 s grace period
        runtime.setLatency(CriRpc.STOP_CONTAINER, Duration.ofMillis(1500));

        client.stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(3).build());

        assertThat(client.containerStatus(id).getStatus().getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        CriDeadlineExceededException late = assertThrows(CriDeadlineExceededException.class,
                () -> client.stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build()));
        assertThat(late.rpc()).isEqualTo("StopContainer");
    }

    @Test
    void clientRecoversWhenTheRuntimeRestartsOnTheSameSocket() throws IOException {
        serve(CgroupVersion.V1, fastOptions());
        String sandbox = client.runPodSandbox(Pods.runPodSandbox("web", "6f1c", POD)).getPodSandboxId();
        String id = client.createContainer(Pods.createContainer(sandbox, "app", Pods.resources(250, 500, 128L << 20)))
                .getContainerId();
        client.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());

        server.stop();

        assertThat(socket).doesNotExist();
        CriUnavailableException down = assertThrows(CriUnavailableException.class,
                () -> client.updateContainerResources(id, Pods.resources(500, 1000, 256L << 20)));
        assertThat(down.rpc()).isEqualTo("UpdateContainerResources");
        assertThat(down.targetId()).isEqualTo(id);
        assertThat(down.getMessage()).contains("UpdateContainerResources").contains(id);

        server.start();

        assertThat(socket).exists();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(CriUnavailableException.class)
                .until(() -> client.containerStatus(id).getStatus().getState() == ContainerState.CONTAINER_RUNNING);
        client.updateContainerResources(id, Pods.resources(500, 1000, 256L << 20));
        assertThat(file(CgroupVersion.V1, id, "cpu.shares")).isEqualTo("512");
    }

    @Test
    void eventStreamFailsWhenTheRuntimeGoesAndCanBeResubscribed() {
        serve(CgroupVersion.V1, fastOptions());
        String sandbox = client.runPodSandbox(Pods.runPodSandbox("web", "6f1c", POD)).getPodSandboxId();
        AtomicReference<CriException> failure = new AtomicReference<>();
        CriSubscription first = client.subscribeContainerEvents(new ContainerEventListener() {
            @Override
            public void onEvent(ContainerEventResponse event) {
            }

            @Override
            public void onError(CriException error) {
                failure.set(error);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> runtime.eventSubscriberCount() == 1);

        server.restart();

        await().atMost(Duration.ofSeconds(5)).until(() -> failure.get() != null);
        assertThat(failure.get().rpc()).isEqualTo("GetContainerEvents");
        assertThat(first.isActive()).isFalse();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(CriUnavailableException.class)
                .until(() -> client.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount() == 1);

        List<ContainerEventResponse> events = new CopyOnWriteArrayList<>();
        try (CriSubscription second = client.subscribeContainerEvents(events::add)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> runtime.eventSubscriberCount() == 1);
            String id = client.createContainer(Pods.createContainer(sandbox, "app", Pods.resources(250, 500, 1 << 27)))
                    .getContainerId();

            await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 1);
            assertThat(events.get(0).getContainerId()).isEqualTo(id);
            assertThat(events.get(0).getContainerEventType()).isEqualTo(ContainerEventType.CONTAINER_CREATED_EVENT);
            assertThat(second.isActive()).isTrue();
        }
    }

    @Test
    void connectingToAMissingSocketFailsClearlyAfterTheConnectTimeout() {
        CriUnavailableException e = assertThrows(CriUnavailableException.class, () -> GrpcRuntimeClient.connect(
                "unix://" + dir.resolve("absent.sock"),
                CriClientOptions.defaults().withConnectTimeout(Duration.ofMillis(300))));

        assertThat(e.rpc()).isEqualTo("Version");
        assertThat(e.getMessage()).contains("no answer from unix://" + dir.resolve("absent.sock")).contains("PT0.3S");
    }

    @Test
    void closingTheServerDeletesTheSocketAndRefusesToReplaceARegularFile() throws IOException {
        serve(CgroupVersion.V1, fastOptions());

        server.close();

        assertThat(socket).doesNotExist();
        Path regular = Files.writeString(dir.resolve("not-a-socket"), "x");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> FakeRuntimeServer.unixSocket(runtime, regular));
        assertThat(e.getMessage()).contains("not a socket");
        assertThat(regular).hasContent("x");
    }

    /**
     * Every call's grpc-timeout is a whole number of milliseconds (CallDeadlines): the header repeats, so HPACK sends it
     * as an index instead of adding a new value to both ends' tables at every call.
     */
    @Test
    void callDeadlinesGoOutInWholeMillisecondsSoTheHeaderRepeats() throws IOException {
        Metadata.Key<String> timeout = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);
        List<String> sent = new CopyOnWriteArrayList<>();
        ServerInterceptor recorder = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                sent.add(headers.get(timeout));
                return next.startCall(call, headers);
            }
        };
        Server tcp = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(FakeRuntime.builder().build(), recorder)).build().start();
        try (GrpcRuntimeClient c = GrpcRuntimeClient.connect("tcp://127.0.0.1:" + tcp.getPort(), fastOptions())) {
            for (int i = 0; i < 50; i++) {
                c.listContainers(ListContainersRequest.getDefaultInstance());
                c.containerStatusAsync(ContainerStatusRequest.newBuilder().setContainerId("missing-" + i).build())
                        .exceptionally(e -> null).join();
            }
        } finally {
            tcp.shutdownNow();
        }

        // the handshake's and 100 calls' (5 s timeout: gRPC sends it in microseconds, "4999873u" without the fix)
        assertThat(sent).hasSize(101).doesNotContainNull();
        assertThat(sent.subList(1, sent.size())).allSatisfy(v -> {
            assertThat(v).matches("[0-9]+000u");
            assertThat(Long.parseLong(v.substring(0, v.length() - 1))).isBetween(4_000_000L, 5_000_000L);
        });
        // mostly the timeout itself or a millisecond less (a pause between the deadline and the send adds others)
        java.util.Map<String, Long> counts = sent.stream().collect(java.util.stream.Collectors.groupingBy(v -> v,
                java.util.stream.Collectors.counting()));
        long topTwo = counts.values().stream().sorted(java.util.Comparator.reverseOrder()).limit(2)
                .mapToLong(Long::longValue).sum();
        assertThat(topTwo).as("calls in the two commonest values of %s", counts).isGreaterThanOrEqualTo(90);
    }

    @Test
    void tcpEndpointWorksToo() throws IOException {
        FakeRuntime tcpRuntime = FakeRuntime.builder().build();
        Server tcp = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(tcpRuntime).build().start();
        try (GrpcRuntimeClient c = GrpcRuntimeClient.connect("tcp://127.0.0.1:" + tcp.getPort(), fastOptions())) {
            assertThat(c.listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount()).isZero();
            assertThat(c.endpoint()).isEqualTo("tcp://127.0.0.1:" + tcp.getPort());
        } finally {
            tcp.shutdownNow();
        }
    }
}
