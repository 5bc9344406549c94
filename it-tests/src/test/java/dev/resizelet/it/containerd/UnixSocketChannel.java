package dev.resizelet.it.containerd;

import dev.resizelet.cri.v1.RuntimeServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A plaintext gRPC channel over a Unix domain socket (shaded Netty, native epoll), with its event loop. */
public final class UnixSocketChannel implements AutoCloseable {

    private final EpollEventLoopGroup eventLoop;
    private final ManagedChannel channel;

    public UnixSocketChannel(Path socket) {
        this.eventLoop = new EpollEventLoopGroup(1);
        this.channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(eventLoop)
                .channelType(EpollDomainSocketChannel.class)
                .usePlaintext()
                .withOption(ChannelOption.SO_KEEPALIVE, null) // TCP-only option: unset, or Netty warns per connection
                .maxInboundMessageSize(16 * 1024 * 1024)
                .build();
    }

    public ManagedChannel channel() {
        return channel;
    }

    /** A blocking CRI RuntimeService stub; each call gets its own {@code deadline}, counted from the call. */
    public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime(Duration deadline) {
        long millis = deadline.toMillis();
        return RuntimeServiceGrpc.newBlockingStub(channel).withInterceptors(new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return next.newCall(method, options.withDeadlineAfter(millis, TimeUnit.MILLISECONDS));
            }
        });
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
