package dev.resizelet.cri;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cri.CriException.Target;
import dev.resizelet.cri.listing.ListedContainers;
import dev.resizelet.cri.v1.ContainerEventResponse;
import dev.resizelet.cri.v1.ContainerStatusRequest;
import dev.resizelet.cri.v1.ContainerStatusResponse;
import dev.resizelet.cri.v1.CreateContainerRequest;
import dev.resizelet.cri.v1.CreateContainerResponse;
import dev.resizelet.cri.v1.GetEventsRequest;
import dev.resizelet.cri.v1.ListContainersRequest;
import dev.resizelet.cri.v1.ListContainersResponse;
import dev.resizelet.cri.v1.ListPodSandboxRequest;
import dev.resizelet.cri.v1.ListPodSandboxResponse;
import dev.resizelet.cri.v1.RemoveContainerRequest;
import dev.resizelet.cri.v1.RemoveContainerResponse;
import dev.resizelet.cri.v1.RemovePodSandboxRequest;
import dev.resizelet.cri.v1.RemovePodSandboxResponse;
import dev.resizelet.cri.v1.RunPodSandboxRequest;
import dev.resizelet.cri.v1.RunPodSandboxResponse;
import dev.resizelet.cri.v1.RuntimeServiceGrpc;
import dev.resizelet.cri.v1.StartContainerRequest;
import dev.resizelet.cri.v1.StartContainerResponse;
import dev.resizelet.cri.v1.StatusRequest;
import dev.resizelet.cri.v1.StatusResponse;
import dev.resizelet.cri.v1.StopContainerRequest;
import dev.resizelet.cri.v1.StopContainerResponse;
import dev.resizelet.cri.v1.StopPodSandboxRequest;
import dev.resizelet.cri.v1.StopPodSandboxResponse;
import dev.resizelet.cri.v1.UpdateContainerResourcesRequest;
import dev.resizelet.cri.v1.UpdateContainerResourcesResponse;
import dev.resizelet.cri.v1.UpdatePodSandboxResourcesRequest;
import dev.resizelet.cri.v1.UpdatePodSandboxResourcesResponse;
import dev.resizelet.cri.v1.VersionRequest;
import dev.resizelet.cri.v1.VersionResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link CriRuntime} over gRPC. Each unary call is one {@link ClientCalls#blockingUnaryCall} on a shared
 * channel with the configured deadline: no per-call stub, no per-call logging. The channel reconnects by
 * itself when the runtime comes back; after an {@code UNAVAILABLE} the client also resets the channel's
 * connect backoff so the next call dials at once instead of waiting out gRPC's exponential backoff.
 */
public final class GrpcRuntimeClient implements CriRuntime {
    private static final Logger log = LoggerFactory.getLogger(GrpcRuntimeClient.class);

    /** The version string the kubelet sends in VersionRequest. */
    static final String KUBELET_RUNTIME_API_VERSION = "0.1.0";
    static final String RUNTIME_API_V1 = "v1";

    private static final MethodDescriptor<VersionRequest, VersionResponse> VERSION =
            RuntimeServiceGrpc.getVersionMethod();
    private static final MethodDescriptor<StatusRequest, StatusResponse> STATUS = RuntimeServiceGrpc.getStatusMethod();
    private static final MethodDescriptor<RunPodSandboxRequest, RunPodSandboxResponse> RUN_POD_SANDBOX =
            RuntimeServiceGrpc.getRunPodSandboxMethod();
    private static final MethodDescriptor<StopPodSandboxRequest, StopPodSandboxResponse> STOP_POD_SANDBOX =
            RuntimeServiceGrpc.getStopPodSandboxMethod();
    private static final MethodDescriptor<RemovePodSandboxRequest, RemovePodSandboxResponse> REMOVE_POD_SANDBOX =
            RuntimeServiceGrpc.getRemovePodSandboxMethod();
    private static final MethodDescriptor<ListPodSandboxRequest, ListPodSandboxResponse> LIST_POD_SANDBOX =
            RuntimeServiceGrpc.getListPodSandboxMethod();
    private static final MethodDescriptor<CreateContainerRequest, CreateContainerResponse> CREATE_CONTAINER =
            RuntimeServiceGrpc.getCreateContainerMethod();
    private static final MethodDescriptor<StartContainerRequest, StartContainerResponse> START_CONTAINER =
            RuntimeServiceGrpc.getStartContainerMethod();
    private static final MethodDescriptor<StopContainerRequest, StopContainerResponse> STOP_CONTAINER =
            RuntimeServiceGrpc.getStopContainerMethod();
    private static final MethodDescriptor<RemoveContainerRequest, RemoveContainerResponse> REMOVE_CONTAINER =
            RuntimeServiceGrpc.getRemoveContainerMethod();
    private static final MethodDescriptor<ListContainersRequest, ListContainersResponse> LIST_CONTAINERS =
            RuntimeServiceGrpc.getListContainersMethod();
    /** ListContainers with its answer read as {@link ListedContainers} (what a relist compares; no labels). */
    private static final MethodDescriptor<ListContainersRequest, ListedContainers> LIST_CONTAINER_STATES =
            LIST_CONTAINERS.toBuilder(LIST_CONTAINERS.getRequestMarshaller(),
                    new DiscardingMarshaller<>(ListedContainers.parser())).build();
    private static final MethodDescriptor<ContainerStatusRequest, ContainerStatusResponse> CONTAINER_STATUS =
            RuntimeServiceGrpc.getContainerStatusMethod();
    private static final MethodDescriptor<UpdateContainerResourcesRequest, UpdateContainerResourcesResponse>
            UPDATE_CONTAINER_RESOURCES = RuntimeServiceGrpc.getUpdateContainerResourcesMethod();
    private static final MethodDescriptor<UpdatePodSandboxResourcesRequest, UpdatePodSandboxResourcesResponse>
            UPDATE_POD_SANDBOX_RESOURCES = RuntimeServiceGrpc.getUpdatePodSandboxResourcesMethod();
    private static final MethodDescriptor<GetEventsRequest, ContainerEventResponse> GET_CONTAINER_EVENTS =
            RuntimeServiceGrpc.getGetContainerEventsMethod();

    /** Runs an async call's callbacks on the transport thread that read the answer (they only complete a future). */
    private static final Executor DIRECT = Runnable::run;
    /** The options of an asynchronous call, but its deadline: answers complete on the transport's thread. */
    private static final CallOptions ON_TRANSPORT = CallOptions.DEFAULT.withExecutor(DIRECT);

    private final ManagedChannel channel;
    private final boolean ownsChannel;
    private final String endpoint;
    private final CriClientOptions options;
    private final long timeoutNanos;
    /** Whole milliseconds on a channel this client made; a caller's channel keeps the system clock. */
    private final CallDeadlines deadlines;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * A client on a channel the caller made and owns (an in-process channel in tests). No handshake is
     * made; call {@link #handshake()} if wanted. {@link #close()} leaves the channel open.
     */
    public GrpcRuntimeClient(ManagedChannel channel, CriClientOptions options) {
        this(channel, false, "channel " + channel.authority(), options);
    }

    private GrpcRuntimeClient(ManagedChannel channel, boolean ownsChannel, String endpoint, CriClientOptions options) {
        this.channel = requireNonNull(channel, "channel");
        this.ownsChannel = ownsChannel;
        this.endpoint = endpoint;
        this.options = requireNonNull(options, "options");
        this.timeoutNanos = options.requestTimeout().toNanos();
        this.deadlines = ownsChannel ? CallDeadlines.MILLISECONDS : CallDeadlines.SYSTEM;
    }

    /** Connects with the default options; see {@link #connect(String, CriClientOptions)}. */
    public static GrpcRuntimeClient connect(String endpoint) {
        return connect(endpoint, CriClientOptions.defaults());
    }

    /**
     * Opens a channel to {@code unix:///path} or {@code tcp://host:port} and makes the Version handshake,
     * waiting up to {@link CriClientOptions#connectTimeout()} for the runtime to answer.
     *
     * @throws IllegalArgumentException for a malformed endpoint
     * @throws CriHandshakeException if the runtime does not serve runtime.v1
     * @throws CriException if the runtime cannot be reached in time
     */
    public static GrpcRuntimeClient connect(String endpoint, CriClientOptions options) {
        CriEndpoint parsed = CriEndpoint.parse(endpoint);
        GrpcRuntimeClient client = open(parsed, options);
        try {
            VersionResponse v = client.handshake();
            log.info("cri connected endpoint={} runtime={} runtimeVersion={} apiVersion={}", parsed,
                    v.getRuntimeName(), v.getRuntimeVersion(), v.getRuntimeApiVersion());
            return client;
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * Opens the channel without the handshake, through gRPC's own targets: {@code unix:///path} (gRPC picks its
     * Unix-socket transport, the native epoll one that grpc-netty-shaded carries) or {@code dns:///host:port}.
     */
    public static GrpcRuntimeClient open(CriEndpoint endpoint, CriClientOptions options) {
        requireNonNull(endpoint, "endpoint");
        requireNonNull(options, "options");
        String target;
        if (endpoint instanceof CriEndpoint.Unix unix) {
            target = "unix://" + unix.path();
        } else {
            CriEndpoint.Tcp tcp = (CriEndpoint.Tcp) endpoint;
            target = "dns:///" + (tcp.host().contains(":") ? "[" + tcp.host() + "]" : tcp.host()) + ":" + tcp.port();
        }
        ManagedChannel channel;
        try {
            channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())
                    .maxInboundMessageSize(options.maxInboundMessageBytes())
                    // no gRPC-level retry: every call would go through a buffering RetriableStream (a sixth of an
                    // enactment thread's CPU under a storm); the engine retries a failed pass itself, with backoff
                    .disableRetry()
                    // no service config from DNS: its method timeouts would be compared with the calls' deadlines,
                    // which run on CallDeadlines' clock (gRPC refuses to compare two clocks)
                    .disableServiceConfigLookUp()
                    .build();
        } catch (RuntimeException e) {
            // no transport for the target: for unix: that means no native epoll here (Linux x86_64/aarch64 only)
            throw new IllegalStateException("CRI endpoint " + endpoint + ": gRPC has no transport for " + target + " here ("
                    + e.getMessage() + ")", e);
        }
        return new GrpcRuntimeClient(channel, true, endpoint.toString(), options);
    }

    /**
     * The kubelet's handshake: Version must answer, and with API version {@code v1}. Waits for the channel
     * to be ready up to the connect timeout.
     */
    public VersionResponse handshake() {
        VersionRequest request = VersionRequest.newBuilder().setVersion(KUBELET_RUNTIME_API_VERSION).build();
        VersionResponse v;
        try {
            v = ClientCalls.blockingUnaryCall(channel, VERSION, CallOptions.DEFAULT.withWaitForReady()
                    .withDeadline(deadlines.after(options.connectTimeout().toNanos())), request);
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
                throw new CriHandshakeException(endpoint,
                        "Version is unimplemented (" + e.getStatus().getDescription() + ")", e);
            }
            if (e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
                // waiting for the connection is what ran out: say so rather than "deadline exceeded"
                throw new CriUnavailableException(VERSION.getBareMethodName(), Target.NONE, "", "no answer from "
                        + endpoint + " within " + options.connectTimeout() + " (" + e.getStatus().getDescription()
                        + ")", e);
            }
            throw failure(VERSION, Target.NONE, "", e);
        }
        if (!RUNTIME_API_V1.equals(v.getRuntimeApiVersion())) {
            throw new CriHandshakeException(endpoint, "runtime " + v.getRuntimeName() + " " + v.getRuntimeVersion()
                    + " reports API version \"" + v.getRuntimeApiVersion() + "\", want \"" + RUNTIME_API_V1 + "\"", null);
        }
        return v;
    }

    public String endpoint() {
        return endpoint;
    }

    public CriClientOptions options() {
        return options;
    }

    @Override
    public VersionResponse version(VersionRequest request) {
        return unary(VERSION, request, Target.NONE, "");
    }

    @Override
    public StatusResponse status(StatusRequest request) {
        return unary(STATUS, request, Target.NONE, "");
    }

    @Override
    public RunPodSandboxResponse runPodSandbox(RunPodSandboxRequest request) {
        // no id yet: name the pod instead
        return unary(RUN_POD_SANDBOX, request, Target.SANDBOX, podName(request));
    }

    @Override
    public StopPodSandboxResponse stopPodSandbox(StopPodSandboxRequest request) {
        return unary(STOP_POD_SANDBOX, request, Target.SANDBOX, request.getPodSandboxId());
    }

    @Override
    public RemovePodSandboxResponse removePodSandbox(RemovePodSandboxRequest request) {
        return unary(REMOVE_POD_SANDBOX, request, Target.SANDBOX, request.getPodSandboxId());
    }

    @Override
    public ListPodSandboxResponse listPodSandbox(ListPodSandboxRequest request) {
        return unary(LIST_POD_SANDBOX, request, Target.NONE, "");
    }

    @Override
    public CreateContainerResponse createContainer(CreateContainerRequest request) {
        return unary(CREATE_CONTAINER, request, Target.SANDBOX, request.getPodSandboxId());
    }

    @Override
    public StartContainerResponse startContainer(StartContainerRequest request) {
        return unary(START_CONTAINER, request, Target.CONTAINER, request.getContainerId());
    }

    /**
     * The deadline is the request timeout plus the container's grace period ({@code timeout}), as the kubelet's remote
     * runtime sets it: the runtime may take the whole grace period before it kills the container and answers.
     */
    @Override
    public StopContainerResponse stopContainer(StopContainerRequest request) {
        try {
            return ClientCalls.blockingUnaryCall(channel, STOP_CONTAINER, stopOptions(request), request);
        } catch (StatusRuntimeException e) {
            throw failure(STOP_CONTAINER, Target.CONTAINER, request.getContainerId(), e);
        }
    }

    /** StopContainer without waiting (a pod's containers are stopped together); same deadline as {@link #stopContainer}. */
    @Override
    public CompletableFuture<StopContainerResponse> stopContainerAsync(StopContainerRequest request) {
        return unaryAsync(STOP_CONTAINER, request, Target.CONTAINER, request.getContainerId(), stopOptions(request));
    }

    private CallOptions stopOptions(StopContainerRequest request) {
        long grace = TimeUnit.SECONDS.toNanos(Math.max(0, request.getTimeout()));
        return CallOptions.DEFAULT.withDeadline(deadlines.after(timeoutNanos + grace));
    }

    @Override
    public RemoveContainerResponse removeContainer(RemoveContainerRequest request) {
        return unary(REMOVE_CONTAINER, request, Target.CONTAINER, request.getContainerId());
    }

    @Override
    public ListContainersResponse listContainers(ListContainersRequest request) {
        return unary(LIST_CONTAINERS, request, Target.NONE, "");
    }

    @Override
    public ListedContainers listContainerStates(ListContainersRequest request) {
        return unary(LIST_CONTAINER_STATES, request, Target.NONE, "");
    }

    @Override
    public ContainerStatusResponse containerStatus(ContainerStatusRequest request) {
        return unary(CONTAINER_STATUS, request, Target.CONTAINER, request.getContainerId());
    }

    @Override
    public UpdateContainerResourcesResponse updateContainerResources(UpdateContainerResourcesRequest request) {
        return unary(UPDATE_CONTAINER_RESOURCES, request, Target.CONTAINER, request.getContainerId());
    }

    @Override
    public UpdatePodSandboxResourcesResponse updatePodSandboxResources(UpdatePodSandboxResourcesRequest request) {
        return unary(UPDATE_POD_SANDBOX_RESOURCES, request, Target.SANDBOX, request.getPodSandboxId());
    }

    @Override
    public CompletableFuture<ContainerStatusResponse> containerStatusAsync(ContainerStatusRequest request) {
        return unaryAsync(CONTAINER_STATUS, request, Target.CONTAINER, request.getContainerId());
    }

    @Override
    public CompletableFuture<UpdateContainerResourcesResponse> updateContainerResourcesAsync(
            UpdateContainerResourcesRequest request) {
        return unaryAsync(UPDATE_CONTAINER_RESOURCES, request, Target.CONTAINER, request.getContainerId());
    }

    @Override
    public CompletableFuture<UpdatePodSandboxResourcesResponse> updatePodSandboxResourcesAsync(
            UpdatePodSandboxResourcesRequest request) {
        return unaryAsync(UPDATE_POD_SANDBOX_RESOURCES, request, Target.SANDBOX, request.getPodSandboxId());
    }

    @Override
    public CriSubscription subscribeContainerEvents(ContainerEventListener listener) {
        requireNonNull(listener, "listener");
        ClientCall<GetEventsRequest, ContainerEventResponse> call =
                channel.newCall(GET_CONTAINER_EVENTS, CallOptions.DEFAULT);
        EventSubscription subscription = new EventSubscription(call, listener);
        ClientCalls.asyncServerStreamingCall(call, GetEventsRequest.getDefaultInstance(), subscription);
        return subscription;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true) || !ownsChannel) {
            return;
        }
        channel.shutdown();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "GrpcRuntimeClient[" + endpoint + "]";
    }

    private <Q, R> R unary(MethodDescriptor<Q, R> method, Q request, Target target, String id) {
        try {
            return ClientCalls.blockingUnaryCall(channel, method,
                    CallOptions.DEFAULT.withDeadline(deadlines.after(timeoutNanos)), request);
        } catch (StatusRuntimeException e) {
            throw failure(method, target, id, e);
        }
    }

    /**
     * The call is started on the caller's thread and its answer completes the future on the transport's thread (no
     * executor hop: the waiter wakes straight from the socket read), with the same deadline and errors as {@link #unary}.
     */
    private <Q, R> CompletableFuture<R> unaryAsync(MethodDescriptor<Q, R> method, Q request, Target target, String id) {
        return startAsync(method, request, target, id, ON_TRANSPORT.withDeadline(deadlines.after(timeoutNanos)));
    }

    private <Q, R> CompletableFuture<R> unaryAsync(MethodDescriptor<Q, R> method, Q request, Target target, String id,
            CallOptions options) {
        return startAsync(method, request, target, id, options.withExecutor(DIRECT));
    }

    /** {@code options} carry the direct executor already (one CallOptions copy per call, not two). */
    private <Q, R> CompletableFuture<R> startAsync(MethodDescriptor<Q, R> method, Q request, Target target, String id,
            CallOptions options) {
        CompletableFuture<R> done = new CompletableFuture<>();
        try {
            ClientCall<Q, R> call = channel.newCall(method, options);
            ClientCalls.asyncUnaryCall(call, request, new StreamObserver<R>() {
                private R value;

                @Override
                public void onNext(R v) {
                    value = v;
                }

                @Override
                public void onError(Throwable t) {
                    StatusRuntimeException e = t instanceof StatusRuntimeException s ? s
                            : Status.fromThrowable(t).asRuntimeException();
                    done.completeExceptionally(failure(method, target, id, e));
                }

                @Override
                public void onCompleted() {
                    done.complete(value);
                }
            });
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    private CriException failure(MethodDescriptor<?, ?> method, Target target, String id, StatusRuntimeException e) {
        if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
            // the runtime may be restarting: let the next call dial now rather than after the backoff
            channel.resetConnectBackoff();
        }
        return CriException.from(e, method.getBareMethodName(), target, id);
    }

    private static String podName(RunPodSandboxRequest request) {
        var m = request.getConfig().getMetadata();
        return m.getNamespace().isEmpty() && m.getName().isEmpty() ? "" : m.getNamespace() + "/" + m.getName();
    }

    /** One GetContainerEvents stream; gRPC serializes the observer callbacks. */
    private final class EventSubscription implements StreamObserver<ContainerEventResponse>, CriSubscription {
        private final ClientCall<GetEventsRequest, ContainerEventResponse> call;
        private final ContainerEventListener listener;
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private volatile boolean active = true;

        EventSubscription(ClientCall<GetEventsRequest, ContainerEventResponse> call, ContainerEventListener listener) {
            this.call = call;
            this.listener = listener;
        }

        @Override
        public void onNext(ContainerEventResponse event) {
            if (cancelled.get()) {
                return;
            }
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                log.warn("cri event listener failed endpoint={} container={} event={}", endpoint,
                        event.getContainerId(), event.getContainerEventType(), e);
            }
        }

        @Override
        public void onError(Throwable t) {
            active = false;
            if (cancelled.get()) {
                return;
            }
            StatusRuntimeException sre = t instanceof StatusRuntimeException s ? s : Status.fromThrowable(t).asRuntimeException();
            listener.onError(failure(GET_CONTAINER_EVENTS, Target.NONE, "", sre));
        }

        @Override
        public void onCompleted() {
            active = false;
            if (!cancelled.get()) {
                listener.onCompleted();
            }
        }

        @Override
        public void cancel() {
            if (cancelled.compareAndSet(false, true)) {
                active = false;
                call.cancel("subscription cancelled by the client", null);
            }
        }

        @Override
        public boolean isActive() {
            return active;
        }
    }
}
