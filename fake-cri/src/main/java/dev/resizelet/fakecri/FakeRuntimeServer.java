package dev.resizelet.fakecri;

import static java.util.Objects.requireNonNull;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link FakeRuntime} on an in-process channel name or on a Unix socket. The server can be stopped
 * and started again on the same address (a runtime restart); {@link #close()} stops it for good and
 * deletes the socket file. The runtime's state survives a restart, as containerd's does.
 */
public final class FakeRuntimeServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FakeRuntimeServer.class);
    /** sun_path is 108 bytes including the terminating NUL. */
    static final int MAX_SOCKET_PATH_BYTES = 107;

    private final FakeRuntime runtime;
    private final Path socket; // null for in-process
    private final String inProcessName; // null for a socket
    private final EventLoopGroup eventLoop; // null for in-process
    private final boolean handlersOnTransportThread;
    // with handlers on the transport thread: the node-wide listings are answered here, two at once, as containerd
    // answers every call on a goroutine of its own (a listing of 2,000 containers on the event loop held up every
    // update behind it)
    private final ExecutorService listings;
    private final Object lock = new Object();
    private Server server; // guarded by lock; null while stopped
    private boolean closed; // guarded by lock

    private FakeRuntimeServer(FakeRuntime runtime, Path socket, String inProcessName, EventLoopGroup eventLoop,
            boolean handlersOnTransportThread) {
        this.runtime = requireNonNull(runtime, "runtime");
        this.socket = socket;
        this.inProcessName = inProcessName;
        this.eventLoop = eventLoop;
        this.handlersOnTransportThread = handlersOnTransportThread;
        AtomicInteger listers = new AtomicInteger();
        this.listings = handlersOnTransportThread ? Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "fake-cri-listings-" + listers.incrementAndGet());
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /** Starts serving {@code runtime} on the in-process transport under {@code name}. */
    public static FakeRuntimeServer inProcess(FakeRuntime runtime, String name) {
        requireNonNull(name, "name");
        FakeRuntimeServer s = new FakeRuntimeServer(runtime, null, name, null, false);
        s.start();
        return s;
    }

    /**
     * Starts serving {@code runtime} on the Unix socket {@code socket} (a stale socket file there is
     * replaced; a regular file is not).
     */
    public static FakeRuntimeServer unixSocket(FakeRuntime runtime, Path socket) {
        return unixSocket(runtime, socket, false);
    }

    /**
     * As {@link #unixSocket(FakeRuntime, Path)}; with {@code handlersOnTransportThread} each call is answered on the
     * socket's event-loop thread instead of being handed to gRPC's executor (a thread wake-up per call, on the fake's side
     * only: a runtime written in Go has no such hop). ListContainers and ListPodSandbox, whose answers grow with the
     * node, are the exception: they are answered on two threads of their own, so an update is not queued behind a
     * listing. For the benchmark harness, whose runtime injects no delays: a delayed call would hold up every other
     * call on the connection.
     */
    public static FakeRuntimeServer unixSocket(FakeRuntime runtime, Path socket, boolean handlersOnTransportThread) {
        requireNonNull(socket, "socket");
        Path abs = socket.toAbsolutePath();
        if (abs.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH_BYTES) {
            throw new IllegalArgumentException("unix socket path longer than " + MAX_SOCKET_PATH_BYTES + " bytes: " + abs);
        }
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("serving on a unix socket needs the native epoll transport, which is "
                    + "unavailable here: " + Epoll.unavailabilityCause(), Epoll.unavailabilityCause());
        }
        AtomicInteger n = new AtomicInteger();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "fake-cri-epoll-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, EpollIoHandler.newFactory());
        FakeRuntimeServer s = new FakeRuntimeServer(runtime, abs, null, group, handlersOnTransportThread);
        try {
            s.start();
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    public FakeRuntime runtime() {
        return runtime;
    }

    /** {@code unix:///path} for a socket server, {@code inprocess:name} otherwise. */
    public String endpoint() {
        return socket != null ? "unix://" + socket : "inprocess:" + inProcessName;
    }

    /** The socket file, for a Unix-socket server. */
    public Path socketPath() {
        if (socket == null) {
            throw new IllegalStateException("an in-process server has no socket");
        }
        return socket;
    }

    /** A new channel to an in-process server; the caller shuts it down. */
    public ManagedChannel newInProcessChannel() {
        if (inProcessName == null) {
            throw new IllegalStateException("not an in-process server; connect to " + endpoint());
        }
        return InProcessChannelBuilder.forName(inProcessName).build();
    }

    public boolean isRunning() {
        synchronized (lock) {
            return server != null;
        }
    }

    /** Starts serving (again); a no-op while running. */
    public void start() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("fake runtime server " + endpoint() + " is closed");
            }
            if (server != null) {
                return;
            }
            Server s;
            if (socket != null) {
                deleteStaleSocket();
                NettyServerBuilder b = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                        .channelType(EpollServerDomainSocketChannel.class)
                        .bossEventLoopGroup(eventLoop)
                        .workerEventLoopGroup(eventLoop)
                        // gRPC sets SO_KEEPALIVE on accepted sockets; a Unix socket has no such option (null unsets it)
                        .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                        .addService(runtime);
                if (handlersOnTransportThread) {
                    b.directExecutor().callExecutor(new ServerCallExecutorSupplier() {
                        @Override
                        public <Q, A> Executor getExecutor(ServerCall<Q, A> call, Metadata headers) {
                            return isListing(call.getMethodDescriptor()) ? listings : null; // null: the event loop
                        }
                    });
                }
                s = b.build();
            } else {
                s = InProcessServerBuilder.forName(inProcessName).addService(runtime).build();
            }
            try {
                server = s.start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot serve the fake runtime on " + endpoint(), e);
            }
            log.info("fake-cri serving endpoint={}", endpoint());
        }
    }

    /**
     * Stops serving now, like a runtime that crashed: open calls and event streams fail with UNAVAILABLE
     * or CANCELLED on the client. The socket file is removed; state is kept for {@link #start()}.
     */
    public void stop() {
        synchronized (lock) {
            if (server == null) {
                return;
            }
            server.shutdownNow();
            try {
                if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
                    log.warn("fake-cri server did not terminate endpoint={}", endpoint());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                server = null;
                deleteSocketQuietly();
            }
            log.info("fake-cri stopped endpoint={}", endpoint());
        }
    }

    private static boolean isListing(MethodDescriptor<?, ?> method) {
        String name = method.getBareMethodName();
        return CriRpc.LIST_CONTAINERS.methodName().equals(name) || CriRpc.LIST_POD_SANDBOX.methodName().equals(name);
    }

    /** {@link #stop()} then {@link #start()} on the same address. */
    public void restart() {
        synchronized (lock) {
            stop();
            start();
        }
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            stop();
            closed = true;
            deleteSocketQuietly();
        }
        if (listings != null) {
            listings.shutdownNow();
        }
        if (eventLoop != null) {
            eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    private void deleteStaleSocket() {
        if (Files.isRegularFile(socket) || Files.isDirectory(socket)) {
            throw new IllegalStateException("refusing to replace " + socket + ": it is not a socket");
        }
        deleteSocketQuietly();
        try {
            Files.createDirectories(socket.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the directory of " + socket, e);
        }
    }

    private void deleteSocketQuietly() {
        if (socket == null) {
            return;
        }
        try {
            if (!Files.isRegularFile(socket) && !Files.isDirectory(socket)) {
                Files.deleteIfExists(socket);
            }
        } catch (IOException e) {
            log.warn("fake-cri cannot delete socket={}", socket, e);
        }
    }

    @Override
    public String toString() {
        return "FakeRuntimeServer[" + endpoint() + (isRunning() ? " running" : " stopped") + "]";
    }
}
