package dev.resizelet.fakecri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.cri.v1.ListContainersRequest;
import dev.resizelet.cri.v1.ListContainersResponse;
import dev.resizelet.cri.v1.ListPodSandboxRequest;
import dev.resizelet.cri.v1.ListPodSandboxResponse;
import dev.resizelet.cri.v1.RuntimeServiceGrpc;
import dev.resizelet.cri.v1.VersionRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Unix-socket server with handlers on its transport thread (the benchmark harness's fake runtime). */
class FakeRuntimeServerTest {
    @TempDir
    Path root;

    FakeRuntime runtime;
    FakeRuntimeServer server;
    EventLoopGroup clientLoop;
    ManagedChannel channel;

    @BeforeEach
    void setUp() {
        CgroupTree tree = new CgroupTree(root.resolve("cgroup"), CgroupVersion.V1);
        runtime = FakeRuntime.builder().cgroups(tree.manager).clock(new TestClock(Instant.EPOCH)).build();
        server = FakeRuntimeServer.unixSocket(runtime, root.resolve("cri.sock"), true);
        clientLoop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(server.socketPath().toString()))
                .eventLoopGroup(clientLoop).channelType(EpollDomainSocketChannel.class).usePlaintext().build();
    }

    @AfterEach
    void tearDown() {
        channel.shutdownNow();
        server.close();
        clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Test
    void aListingInProgressHoldsUpNoOtherCall() {
        // the node-wide listing is held for a minute; the other calls are answered on the event loop meanwhile
        runtime.setLatency(CriRpc.LIST_CONTAINERS, Duration.ofMinutes(1));
        ListenableFuture<ListContainersResponse> listing = RuntimeServiceGrpc.newFutureStub(channel)
                .listContainers(ListContainersRequest.getDefaultInstance());
        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.calls().stream()
                .anyMatch(c -> c.rpc() == CriRpc.LIST_CONTAINERS));

        String version = RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .version(VersionRequest.getDefaultInstance()).getRuntimeName();

        assertThat(version).isNotEmpty();
        assertThat(listing.isDone()).as("ListContainers still waiting out its latency").isFalse();
    }

    @Test
    void twoListingsAreAnsweredAtOnce() {
        // both held for a minute: the second is taken up while the first still waits (one thread would hold it back)
        runtime.setLatency(CriRpc.LIST_CONTAINERS, Duration.ofMinutes(1));
        runtime.setLatency(CriRpc.LIST_POD_SANDBOX, Duration.ofMinutes(1));
        RuntimeServiceGrpc.RuntimeServiceFutureStub async = RuntimeServiceGrpc.newFutureStub(channel);
        ListenableFuture<ListContainersResponse> containers = async.listContainers(
                ListContainersRequest.getDefaultInstance());
        ListenableFuture<ListPodSandboxResponse> sandboxes = async.listPodSandbox(
                ListPodSandboxRequest.getDefaultInstance());

        await().atMost(Duration.ofSeconds(10)).until(() -> runtime.calls().stream()
                .filter(c -> c.rpc() == CriRpc.LIST_CONTAINERS || c.rpc() == CriRpc.LIST_POD_SANDBOX).count() == 2);

        assertThat(containers.isDone()).isFalse();
        assertThat(sandboxes.isDone()).isFalse();
    }

    @Test
    void listingsAreAnsweredOffTheEventLoop() {
        RuntimeServiceGrpc.RuntimeServiceBlockingStub cri = RuntimeServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS);
        List<String> threads = new CopyOnWriteArrayList<>();
        runtime.addCallListener(c -> threads.add(c.rpc() + "@" + Thread.currentThread().getName()));

        cri.version(VersionRequest.getDefaultInstance());
        cri.listContainers(ListContainersRequest.getDefaultInstance());
        cri.listPodSandbox(ListPodSandboxRequest.getDefaultInstance());

        assertThat(threads).hasSize(3);
        assertThat(threads.get(0)).isEqualTo("VERSION@fake-cri-epoll-1");
        assertThat(threads.get(1)).startsWith("LIST_CONTAINERS@fake-cri-listings-");
        assertThat(threads.get(2)).startsWith("LIST_POD_SANDBOX@fake-cri-listings-");
    }
}
