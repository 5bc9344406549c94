package dev.resizelet.fakecri;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import dev.resizelet.cgroups.CgroupException;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.cgroups.CgroupWrite;
import dev.resizelet.cgroups.CpuConversions;
import dev.resizelet.cgroups.InvalidCgroupNameException;
import dev.resizelet.cri.v1.Container;
import dev.resizelet.cri.v1.ContainerConfig;
import dev.resizelet.cri.v1.ContainerEventResponse;
import dev.resizelet.cri.v1.ContainerEventType;
import dev.resizelet.cri.v1.ContainerFilter;
import dev.resizelet.cri.v1.ContainerResources;
import dev.resizelet.cri.v1.ContainerState;
import dev.resizelet.cri.v1.ContainerStatus;
import dev.resizelet.cri.v1.ContainerStatusRequest;
import dev.resizelet.cri.v1.ContainerStatusResponse;
import dev.resizelet.cri.v1.CreateContainerRequest;
import dev.resizelet.cri.v1.CreateContainerResponse;
import dev.resizelet.cri.v1.GetEventsRequest;
import dev.resizelet.cri.v1.LinuxContainerResources;
import dev.resizelet.cri.v1.ListContainersRequest;
import dev.resizelet.cri.v1.ListContainersResponse;
import dev.resizelet.cri.v1.ListPodSandboxRequest;
import dev.resizelet.cri.v1.ListPodSandboxResponse;
import dev.resizelet.cri.v1.PodSandbox;
import dev.resizelet.cri.v1.PodSandboxConfig;
import dev.resizelet.cri.v1.PodSandboxFilter;
import dev.resizelet.cri.v1.PodSandboxMetadata;
import dev.resizelet.cri.v1.PodSandboxState;
import dev.resizelet.cri.v1.PodSandboxStatus;
import dev.resizelet.cri.v1.RemoveContainerRequest;
import dev.resizelet.cri.v1.RemoveContainerResponse;
import dev.resizelet.cri.v1.RemovePodSandboxRequest;
import dev.resizelet.cri.v1.RemovePodSandboxResponse;
import dev.resizelet.cri.v1.RunPodSandboxRequest;
import dev.resizelet.cri.v1.RunPodSandboxResponse;
import dev.resizelet.cri.v1.RuntimeCondition;
import dev.resizelet.cri.v1.RuntimeServiceGrpc;
import dev.resizelet.cri.v1.RuntimeStatus;
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
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-memory CRI runtime that behaves like containerd where resizelet can tell: sandboxes and containers
 * with states and ids, resources applied to real cgroup files (through a {@link CgroupManager}) and reported
 * back in {@code ContainerStatus.resources}, and the same gRPC status codes for bad input. A call that is
 * rejected changes nothing: no state, no files.
 *
 * <p>For tests it records the latest calls (a bounded log; counts per RPC are exact), injects per-RPC errors and latency, rounds values like runtimes do,
 * can act as containerd before 1.6.9 (no {@code resources} in status), as a runtime without
 * {@code UpdatePodSandboxResources} and as one without {@code GetContainerEvents} (containerd 1.6), and can simulate a container restart or memory usage.
 *
 * <p>Semantics taken from containerd: a resource field sent as 0 leaves the value unchanged; a memory
 * limit sets the swap limit to the same value unless swap is given; StopContainer keeps the cgroup,
 * RemoveContainer removes it; RemoveContainer and RemovePodSandbox of an unknown id succeed (they are
 * idempotent), other calls on an unknown id answer NOT_FOUND; RemovePodSandbox stops and removes the
 * sandbox's containers; StopPodSandbox stops them.
 *
 * <p>Thread-safe: all state is guarded by one lock, and events are sent under it, so every subscriber
 * sees them in the order the state changed.
 */
public final class FakeRuntime extends RuntimeServiceGrpc.RuntimeServiceImplBase {
    private static final Logger log = LoggerFactory.getLogger(FakeRuntime.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int ID_BYTES = 32;
    /** How many calls {@link #calls()} keeps unless the builder says otherwise. */
    public static final int DEFAULT_CALL_LOG_CAPACITY = 10_000;
    private static final int UNBOUNDED = Integer.MAX_VALUE;

    private final CgroupManager cgroups; // null: no files are written
    private final Clock clock;
    private final AtomicLong sequence;
    private final String runtimeName;
    private final String runtimeVersion;
    private final String runtimeApiVersion;

    private final Object lock = new Object();
    // guarded by lock; insertion order is the listing order
    private final Map<String, Sandbox> sandboxes = new LinkedHashMap<>();
    private final Map<String, FakeContainer> containers = new LinkedHashMap<>();

    private final List<ServerCallStreamObserver<ContainerEventResponse>> subscribers = new CopyOnWriteArrayList<>();
    private final CallLog calls;
    private final AtomicLongArray callCounts = new AtomicLongArray(CriRpc.values().length);
    private final List<Consumer<RecordedCall>> callListeners = new CopyOnWriteArrayList<>();
    private final Map<CriRpc, Fault> faults = new ConcurrentHashMap<>();
    private final Map<CriRpc, Duration> latencies = new ConcurrentHashMap<>();

    private final ExitTimer exitTimer;
    private volatile Rounding rounding;
    private volatile boolean legacy;
    private volatile boolean podSandboxResourcesUnimplemented;
    private volatile boolean containerEventsUnimplemented;

    private FakeRuntime(Builder b) {
        this.cgroups = b.cgroups;
        this.clock = b.clock;
        this.sequence = b.sequence;
        this.runtimeName = b.runtimeName;
        this.runtimeVersion = b.runtimeVersion;
        this.runtimeApiVersion = b.runtimeApiVersion;
        this.rounding = b.rounding;
        this.legacy = b.legacy;
        this.podSandboxResourcesUnimplemented = b.podSandboxResourcesUnimplemented;
        this.containerEventsUnimplemented = b.containerEventsUnimplemented;
        this.calls = new CallLog(b.callLogCapacity);
        this.exitTimer = b.exitTimer;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder; everything is optional. */
    public static final class Builder {
        private CgroupManager cgroups;
        private Clock clock = Clock.systemUTC();
        private AtomicLong sequence = new AtomicLong();
        private String runtimeName = "fake-cri";
        private String runtimeVersion = "1.7.0-fake";
        private String runtimeApiVersion = "v1";
        private Rounding rounding = Rounding.NONE;
        private boolean legacy;
        private boolean podSandboxResourcesUnimplemented;
        private boolean containerEventsUnimplemented;
        private int callLogCapacity = DEFAULT_CALL_LOG_CAPACITY;
        private ExitTimer exitTimer = ExitTimer.system();

        private Builder() {
        }

        /** Where container cgroups are written ({@code <sandbox cgroup_parent>/<containerId>}); null = nowhere. */
        /** Runs the delayed exits of the {@link ExitModel} ({@code sleep N}); real time by default. */
        public Builder exitTimer(ExitTimer timer) {
            this.exitTimer = requireNonNull(timer, "timer");
            return this;
        }

        public Builder cgroups(CgroupManager cgroups) {
            this.cgroups = cgroups;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /** The counter that numbers recorded calls; share it with other observers to order events across them. */
        public Builder sequence(AtomicLong sequence) {
            this.sequence = requireNonNull(sequence, "sequence");
            return this;
        }

        public Builder runtimeName(String name) {
            this.runtimeName = requireNonNull(name, "name");
            return this;
        }

        public Builder runtimeVersion(String version) {
            this.runtimeVersion = requireNonNull(version, "version");
            return this;
        }

        /** What Version reports as runtime_api_version ({@code v1}); set {@code v1alpha2} to fail a handshake. */
        public Builder runtimeApiVersion(String version) {
            this.runtimeApiVersion = requireNonNull(version, "version");
            return this;
        }

        public Builder rounding(Rounding rounding) {
            this.rounding = requireNonNull(rounding, "rounding");
            return this;
        }

        /** Act like containerd before 1.6.9: ContainerStatus never carries {@code resources}. */
        public Builder legacy(boolean legacy) {
            this.legacy = legacy;
            return this;
        }

        /** Answer UpdatePodSandboxResources with UNIMPLEMENTED, as runtimes before CRI 1.33 do. */
        public Builder podSandboxResourcesUnimplemented(boolean unimplemented) {
            this.podSandboxResourcesUnimplemented = unimplemented;
            return this;
        }

        /** Answer GetContainerEvents with UNIMPLEMENTED, as containerd before 1.7 (1.6.20, say) does. */
        public Builder containerEventsUnimplemented(boolean unimplemented) {
            this.containerEventsUnimplemented = unimplemented;
            return this;
        }

        /**
         * How many of the latest calls {@link #calls()} keeps (default {@value FakeRuntime#DEFAULT_CALL_LOG_CAPACITY}); older
         * ones are dropped, so a runtime that serves a relist every second for weeks stays small. The counts of
         * {@link #callCount} are exact whatever the capacity.
         */
        public Builder callLogCapacity(int capacity) {
            if (capacity < 0) {
                throw new IllegalArgumentException("call log capacity must not be negative, got " + capacity);
            }
            this.callLogCapacity = capacity;
            return this;
        }

        /** Keep every call in {@link #calls()} (for tests that assert on all of them; memory grows with each call). */
        public Builder unboundedCallLog() {
            this.callLogCapacity = UNBOUNDED;
            return this;
        }

        public FakeRuntime build() {
            return new FakeRuntime(this);
        }
    }

    // ---------------------------------------------------------------- test controls

    public void setRounding(Rounding rounding) {
        this.rounding = requireNonNull(rounding, "rounding");
    }

    public void setLegacy(boolean legacy) {
        this.legacy = legacy;
    }

    public void setPodSandboxResourcesUnimplemented(boolean unimplemented) {
        this.podSandboxResourcesUnimplemented = unimplemented;
    }

    /** See {@link Builder#containerEventsUnimplemented}; streams already open stay open. */
    public void setContainerEventsUnimplemented(boolean unimplemented) {
        this.containerEventsUnimplemented = unimplemented;
    }

    /** The next {@code times} calls of {@code rpc} fail with {@code status} and change nothing. */
    public void injectError(CriRpc rpc, Status status, int times) {
        requireNonNull(rpc, "rpc");
        requireNonNull(status, "status");
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1, got " + times);
        }
        if (status.isOk()) {
            throw new IllegalArgumentException("an injected error needs a non-OK status");
        }
        faults.put(rpc, new Fault(status, times, false));
    }

    /**
     * The next {@code times} calls of {@code rpc} do what they ask (the container's resources and cgroup change, say)
     * and then answer {@code status}: a runtime that applied a change but whose answer was lost or wrong (containerd
     * timing out on its shim after runc wrote the cgroup). A client must treat the retry as idempotent.
     */
    public void injectErrorAfterApply(CriRpc rpc, Status status, int times) {
        requireNonNull(rpc, "rpc");
        requireNonNull(status, "status");
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1, got " + times);
        }
        if (status.isOk()) {
            throw new IllegalArgumentException("an injected error needs a non-OK status");
        }
        faults.put(rpc, new Fault(status, times, true));
    }

    /** Every call of {@code rpc} fails with {@code status} until {@link #clearError} / {@link #clearErrors}. */
    public void injectError(CriRpc rpc, Status status) {
        requireNonNull(rpc, "rpc");
        requireNonNull(status, "status");
        if (status.isOk()) {
            throw new IllegalArgumentException("an injected error needs a non-OK status");
        }
        faults.put(rpc, new Fault(status, Fault.FOREVER, false));
    }

    public void clearError(CriRpc rpc) {
        faults.remove(rpc);
    }

    public void clearErrors() {
        faults.clear();
    }

    /** Every call of {@code rpc} waits {@code latency} before doing anything (a cancelled call then does nothing). */
    public void setLatency(CriRpc rpc, Duration latency) {
        requireNonNull(rpc, "rpc");
        requireNonNull(latency, "latency");
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative, got " + latency);
        }
        if (latency.isZero()) {
            latencies.remove(rpc);
        } else {
            latencies.put(rpc, latency);
        }
    }

    public void clearLatencies() {
        latencies.clear();
    }

    /**
     * The latest calls received (at most the builder's {@link Builder#callLogCapacity}; all of them with
     * {@link Builder#unboundedCallLog}), in arrival order. {@link #droppedCalls()} tells whether any fell out.
     */
    public List<RecordedCall> calls() {
        return calls.snapshot();
    }

    /** The kept calls of one RPC, in arrival order; to count calls use {@link #callCount}, which is exact. */
    public List<RecordedCall> calls(CriRpc rpc) {
        requireNonNull(rpc, "rpc");
        return calls.snapshot().stream().filter(c -> c.rpc() == rpc).toList();
    }

    /** Empties the call log; {@link #callCount} and {@link #droppedCalls} are not reset. */
    public void clearCalls() {
        calls.clear();
    }

    /** How many calls of {@code rpc} arrived since the runtime was built (exact, whatever the log kept). */
    public long callCount(CriRpc rpc) {
        return callCounts.get(requireNonNull(rpc, "rpc").ordinal());
    }

    /** {@link #callCount} of every RPC, zeros included. */
    public Map<CriRpc, Long> callCounts() {
        Map<CriRpc, Long> m = new EnumMap<>(CriRpc.class);
        for (CriRpc rpc : CriRpc.values()) {
            m.put(rpc, callCounts.get(rpc.ordinal()));
        }
        return m;
    }

    /** How many calls the bounded log has dropped so far (oldest first) to stay within its capacity. */
    public long droppedCalls() {
        return calls.dropped();
    }

    /** Called on the gRPC thread as each call arrives, before it is executed. */
    public void addCallListener(Consumer<RecordedCall> listener) {
        callListeners.add(requireNonNull(listener, "listener"));
    }

    public void removeCallListener(Consumer<RecordedCall> listener) {
        callListeners.remove(listener);
    }

    /** The shared sequence counter (see {@link Builder#sequence}). */
    public AtomicLong sequence() {
        return sequence;
    }

    /** The container's status as the runtime knows it, resources included even in legacy mode. */
    public Optional<ContainerStatus> container(String containerId) {
        synchronized (lock) {
            FakeContainer c = containers.get(containerId);
            return c == null ? Optional.empty() : Optional.of(c.status(true));
        }
    }

    public List<String> containerIds() {
        synchronized (lock) {
            return List.copyOf(containers.keySet());
        }
    }

    public Optional<PodSandboxStatus> sandbox(String sandboxId) {
        synchronized (lock) {
            Sandbox s = sandboxes.get(sandboxId);
            return s == null ? Optional.empty() : Optional.of(s.status());
        }
    }

    public List<String> sandboxIds() {
        synchronized (lock) {
            return List.copyOf(sandboxes.keySet());
        }
    }

    /** What the last UpdatePodSandboxResources set for the sandbox (empty if never called). */
    public Optional<LinuxContainerResources> sandboxResources(String sandboxId) {
        synchronized (lock) {
            Sandbox s = sandboxes.get(sandboxId);
            return s == null ? Optional.empty() : Optional.ofNullable(s.updatedResources);
        }
    }

    /** The container's cgroup, if the runtime writes cgroups and its sandbox has a cgroup parent. */
    public Optional<CgroupName> containerCgroup(String containerId) {
        synchronized (lock) {
            FakeContainer c = containers.get(containerId);
            return c == null ? Optional.empty() : Optional.ofNullable(c.cgroup);
        }
    }

    /**
     * A container restarted behind the agent's back: the container exits (exit code 137) and a new one
     * is created from the original CreateContainer config (attempt + 1, the creation resources, not the
     * updated ones) and started. Events STOPPED, CREATED, STARTED are sent.
     *
     * @return the new container's id
     */
    public String restartContainer(String containerId) {
        synchronized (lock) {
            FakeContainer old = containers.get(containerId);
            if (old == null) {
                throw new IllegalArgumentException("no container " + containerId);
            }
            Sandbox sandbox = sandboxes.get(old.sandboxId);
            stopLocked(old, 137, "Error");
            ContainerConfig config = old.config.toBuilder()
                    .setMetadata(old.config.getMetadata().toBuilder().setAttempt(old.config.getMetadata().getAttempt() + 1))
                    .build();
            FakeContainer next = createLocked(sandbox, config);
            startLocked(next);
            return next.id;
        }
    }

    /**
     * Ends a running container's process now with {@code exitCode} (as if it exited by itself): state EXITED,
     * reason Completed (0) or Error, a STOPPED event. A container that is not running is left as it is.
     */
    public void exitContainer(String containerId, int exitCode) {
        synchronized (lock) {
            FakeContainer c = containers.get(containerId);
            if (c == null) {
                throw new IllegalArgumentException("no container " + containerId);
            }
            exitLocked(c, exitCode);
        }
    }

    /** Sets memory usage in the container's cgroup ({@code memory.usage_in_bytes} v1, {@code memory.current} v2). */
    public void setMemoryUsage(String containerId, long bytes) {
        CgroupName cgroup = containerCgroup(containerId)
                .orElseThrow(() -> new IllegalArgumentException("container " + containerId + " has no cgroup here"));
        setMemoryUsage(cgroup, bytes);
    }

    /** Sets memory usage in any cgroup of the tree (a pod cgroup, say). */
    public void setMemoryUsage(CgroupName cgroup, long bytes) {
        requireNonNull(cgroup, "cgroup");
        if (cgroups == null) {
            throw new IllegalStateException("this fake runtime writes no cgroups (built without a CgroupManager)");
        }
        if (bytes < 0) {
            throw new IllegalArgumentException("memory usage must not be negative, got " + bytes);
        }
        cgroups.create(cgroup);
        cgroups.apply(List.of(new CgroupWrite(cgroups.memoryUsageFile(cgroup), Long.toString(bytes))));
    }

    // ---------------------------------------------------------------- RuntimeService

    @Override
    public void version(VersionRequest request, StreamObserver<VersionResponse> out) {
        handle(CriRpc.VERSION, "", request, out, () -> VersionResponse.newBuilder()
                .setVersion("0.1.0")
                .setRuntimeName(runtimeName)
                .setRuntimeVersion(runtimeVersion)
                .setRuntimeApiVersion(runtimeApiVersion)
                .build());
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
        handle(CriRpc.STATUS, "", request, out, () -> StatusResponse.newBuilder()
                .setStatus(RuntimeStatus.newBuilder()
                        .addConditions(RuntimeCondition.newBuilder().setType("RuntimeReady").setStatus(true))
                        .addConditions(RuntimeCondition.newBuilder().setType("NetworkReady").setStatus(true)))
                .build());
    }

    @Override
    public void runPodSandbox(RunPodSandboxRequest request, StreamObserver<RunPodSandboxResponse> out) {
        PodSandboxMetadata md = request.getConfig().getMetadata();
        handle(CriRpc.RUN_POD_SANDBOX, md.getNamespace() + "/" + md.getName(), request, out, () -> {
            if (!request.hasConfig() || !request.getConfig().hasMetadata()) {
                throw invalid("sandbox config must include metadata");
            }
            if (md.getName().isEmpty() || md.getNamespace().isEmpty() || md.getUid().isEmpty()) {
                throw invalid("sandbox metadata.Name, .Namespace and .Uid must not be empty");
            }
            CgroupName parent = parseCgroupParent(request.getConfig().getLinux().getCgroupParent());
            synchronized (lock) {
                for (Sandbox s : sandboxes.values()) {
                    PodSandboxMetadata o = s.config.getMetadata();
                    if (o.getName().equals(md.getName()) && o.getNamespace().equals(md.getNamespace())
                            && o.getUid().equals(md.getUid()) && o.getAttempt() == md.getAttempt()) {
                        throw Status.ALREADY_EXISTS.withDescription("failed to reserve sandbox name \""
                                + sandboxName(md) + "\": name is reserved for " + s.id).asRuntimeException();
                    }
                }
                Sandbox s = new Sandbox(newId(), request.getConfig(), request.getRuntimeHandler(), parent, nanos());
                sandboxes.put(s.id, s);
                log.debug("fake-cri sandbox started id={} pod={} cgroupParent={}", s.id, sandboxName(md), parent);
                return RunPodSandboxResponse.newBuilder().setPodSandboxId(s.id).build();
            }
        });
    }

    @Override
    public void stopPodSandbox(StopPodSandboxRequest request, StreamObserver<StopPodSandboxResponse> out) {
        String id = request.getPodSandboxId();
        handle(CriRpc.STOP_POD_SANDBOX, id, request, out, () -> {
            synchronized (lock) {
                Sandbox s = sandboxLocked(id);
                for (FakeContainer c : containersOf(s.id)) {
                    stopLocked(c, 0, "Completed");
                }
                s.state = PodSandboxState.SANDBOX_NOTREADY;
                return StopPodSandboxResponse.getDefaultInstance();
            }
        });
    }

    @Override
    public void removePodSandbox(RemovePodSandboxRequest request, StreamObserver<RemovePodSandboxResponse> out) {
        String id = request.getPodSandboxId();
        handle(CriRpc.REMOVE_POD_SANDBOX, id, request, out, () -> {
            requireId(id, "sandbox");
            synchronized (lock) {
                Sandbox s = sandboxes.get(id);
                if (s == null) {
                    // containerd: removing a sandbox that does not exist is not an error
                    return RemovePodSandboxResponse.getDefaultInstance();
                }
                List<FakeContainer> cs = containersOf(id);
                for (FakeContainer c : cs) {
                    stopLocked(c, 0, "Completed");
                }
                for (FakeContainer c : cs) {
                    removeLocked(c);
                }
                s.state = PodSandboxState.SANDBOX_NOTREADY;
                sandboxes.remove(id);
                return RemovePodSandboxResponse.getDefaultInstance();
            }
        });
    }

    @Override
    public void listPodSandbox(ListPodSandboxRequest request, StreamObserver<ListPodSandboxResponse> out) {
        handle(CriRpc.LIST_POD_SANDBOX, "", request, out, () -> {
            PodSandboxFilter f = request.getFilter();
            // picked under the lock, built outside it (as the container listing)
            List<Sandbox> picked = new ArrayList<>();
            List<PodSandboxState> states = new ArrayList<>();
            synchronized (lock) {
                for (Sandbox s : sandboxes.values()) {
                    if (!f.getId().isEmpty() && !f.getId().equals(s.id)) {
                        continue;
                    }
                    if (f.hasState() && f.getState().getState() != s.state) {
                        continue;
                    }
                    if (!labelsMatch(f.getLabelSelectorMap(), s.config.getLabelsMap())) {
                        continue;
                    }
                    picked.add(s);
                    states.add(s.state);
                }
            }
            ListPodSandboxResponse.Builder b = ListPodSandboxResponse.newBuilder();
            for (int i = 0; i < picked.size(); i++) {
                b.addItems(picked.get(i).item(states.get(i)));
            }
            return b.build();
        });
    }

    @Override
    public void createContainer(CreateContainerRequest request, StreamObserver<CreateContainerResponse> out) {
        String sandboxId = request.getPodSandboxId();
        handle(CriRpc.CREATE_CONTAINER, sandboxId, request, out, () -> {
            requireId(sandboxId, "sandbox");
            if (!request.hasConfig() || !request.getConfig().hasMetadata()
                    || request.getConfig().getMetadata().getName().isEmpty()) {
                throw invalid("container config must include metadata with a name");
            }
            validate(request.getConfig().getLinux().getResources());
            synchronized (lock) {
                Sandbox s = sandboxLocked(sandboxId);
                if (s.state != PodSandboxState.SANDBOX_READY) {
                    throw Status.FAILED_PRECONDITION.withDescription("sandbox " + sandboxId + " is not ready")
                            .asRuntimeException();
                }
                return CreateContainerResponse.newBuilder().setContainerId(createLocked(s, request.getConfig()).id).build();
            }
        });
    }

    @Override
    public void startContainer(StartContainerRequest request, StreamObserver<StartContainerResponse> out) {
        String id = request.getContainerId();
        handle(CriRpc.START_CONTAINER, id, request, out, () -> {
            synchronized (lock) {
                FakeContainer c = containerLocked(id);
                if (c.state != ContainerState.CONTAINER_CREATED) {
                    throw Status.FAILED_PRECONDITION.withDescription("container " + id + " is in " + c.state
                            + " state, want CONTAINER_CREATED").asRuntimeException();
                }
                startLocked(c);
                return StartContainerResponse.getDefaultInstance();
            }
        });
    }

    @Override
    public void stopContainer(StopContainerRequest request, StreamObserver<StopContainerResponse> out) {
        String id = request.getContainerId();
        handle(CriRpc.STOP_CONTAINER, id, request, out, () -> {
            synchronized (lock) {
                stopLocked(containerLocked(id), 0, "Completed");
                return StopContainerResponse.getDefaultInstance();
            }
        });
    }

    @Override
    public void removeContainer(RemoveContainerRequest request, StreamObserver<RemoveContainerResponse> out) {
        String id = request.getContainerId();
        handle(CriRpc.REMOVE_CONTAINER, id, request, out, () -> {
            requireId(id, "container");
            synchronized (lock) {
                FakeContainer c = containers.get(id);
                if (c == null) {
                    // containerd: RemoveContainer is idempotent
                    return RemoveContainerResponse.getDefaultInstance();
                }
                // CRI: a running container is removed forcibly
                stopLocked(c, 137, "Error");
                removeLocked(c);
                return RemoveContainerResponse.getDefaultInstance();
            }
        });
    }

    @Override
    public void listContainers(ListContainersRequest request, StreamObserver<ListContainersResponse> out) {
        handle(CriRpc.LIST_CONTAINERS, "", request, out, () -> {
            ContainerFilter f = request.getFilter();
            // what is listed is picked under the lock (a container and its state then), and the answer is built
            // outside it: as containerd's store, a listing of 2,000 containers does not hold up the updates
            List<FakeContainer> picked = new ArrayList<>();
            List<ContainerState> states = new ArrayList<>();
            synchronized (lock) {
                for (FakeContainer c : containers.values()) {
                    if (!f.getId().isEmpty() && !f.getId().equals(c.id)) {
                        continue;
                    }
                    if (f.hasState() && f.getState().getState() != c.state) {
                        continue;
                    }
                    if (!f.getPodSandboxId().isEmpty() && !f.getPodSandboxId().equals(c.sandboxId)) {
                        continue;
                    }
                    if (!labelsMatch(f.getLabelSelectorMap(), c.config.getLabelsMap())) {
                        continue;
                    }
                    picked.add(c);
                    states.add(c.state);
                }
            }
            ListContainersResponse.Builder b = ListContainersResponse.newBuilder();
            for (int i = 0; i < picked.size(); i++) {
                b.addContainers(picked.get(i).item(states.get(i)));
            }
            return b.build();
        });
    }

    @Override
    public void containerStatus(ContainerStatusRequest request, StreamObserver<ContainerStatusResponse> out) {
        String id = request.getContainerId();
        handle(CriRpc.CONTAINER_STATUS, id, request, out, () -> {
            synchronized (lock) {
                return ContainerStatusResponse.newBuilder().setStatus(containerLocked(id).status(!legacy)).build();
            }
        });
    }

    @Override
    public void updateContainerResources(UpdateContainerResourcesRequest request,
            StreamObserver<UpdateContainerResourcesResponse> out) {
        String id = request.getContainerId();
        handle(CriRpc.UPDATE_CONTAINER_RESOURCES, id, request, out, () -> {
            requireId(id, "container");
            validate(request.getLinux());
            LinuxContainerResources wanted = rounding.apply(request.getLinux());
            synchronized (lock) {
                FakeContainer c = containerLocked(id);
                LinuxContainerResources merged = merge(c.resources, wanted);
                // containerd updates the spec of a stopped container but has no task (cgroup) to update
                if (c.cgroup != null && c.state != ContainerState.CONTAINER_EXITED) {
                    writeCgroup(c.cgroup, c.resources, wanted, "update resources of container " + id);
                }
                c.resources = merged;
                return UpdateContainerResourcesResponse.getDefaultInstance();
            }
        });
    }

    @Override
    public void updatePodSandboxResources(UpdatePodSandboxResourcesRequest request,
            StreamObserver<UpdatePodSandboxResourcesResponse> out) {
        String id = request.getPodSandboxId();
        handle(CriRpc.UPDATE_POD_SANDBOX_RESOURCES, id, request, out, () -> {
            if (podSandboxResourcesUnimplemented) {
                throw Status.UNIMPLEMENTED.withDescription(
                        "method UpdatePodSandboxResources not implemented").asRuntimeException();
            }
            validate(request.getResources());
            validate(request.getOverhead());
            synchronized (lock) {
                Sandbox s = sandboxLocked(id);
                s.updatedResources = request.getResources();
                return UpdatePodSandboxResourcesResponse.getDefaultInstance();
            }
        });
    }

    @Override
    public void getContainerEvents(GetEventsRequest request, StreamObserver<ContainerEventResponse> out) {
        record(CriRpc.GET_CONTAINER_EVENTS, "", request);
        if (containerEventsUnimplemented) {
            // containerd 1.6.20's answer, word for word
            out.onError(Status.UNIMPLEMENTED.withDescription("method GetContainerEvents not implemented")
                    .asRuntimeException());
            return;
        }
        Fault fault = takeFault(CriRpc.GET_CONTAINER_EVENTS);
        if (fault != null) {
            out.onError(fault.status().asRuntimeException());
            return;
        }
        ServerCallStreamObserver<ContainerEventResponse> stream = (ServerCallStreamObserver<ContainerEventResponse>) out;
        stream.setOnCancelHandler(() -> subscribers.remove(stream));
        synchronized (lock) {
            subscribers.add(stream);
        }
    }

    /** Ends every GetContainerEvents stream normally (the client sees onCompleted). */
    public void completeEventStreams() {
        synchronized (lock) {
            for (ServerCallStreamObserver<ContainerEventResponse> s : subscribers) {
                try {
                    s.onCompleted();
                } catch (RuntimeException e) {
                    log.debug("fake-cri event stream already gone", e);
                }
            }
            subscribers.clear();
        }
    }

    /** How many GetContainerEvents streams are open. */
    public int eventSubscriberCount() {
        return subscribers.size();
    }

    // ---------------------------------------------------------------- internals (callers hold lock)

    private FakeContainer createLocked(Sandbox s, ContainerConfig config) {
        var md = config.getMetadata();
        for (FakeContainer o : containers.values()) {
            if (o.sandboxId.equals(s.id) && o.config.getMetadata().getName().equals(md.getName())
                    && o.config.getMetadata().getAttempt() == md.getAttempt()) {
                throw Status.ALREADY_EXISTS.withDescription("failed to reserve container name \"" + md.getName() + "_"
                        + md.getAttempt() + "\" in sandbox " + s.id + ": name is reserved for " + o.id).asRuntimeException();
            }
        }
        String id = newId();
        LinuxContainerResources resources = merge(LinuxContainerResources.getDefaultInstance(),
                rounding.apply(config.getLinux().getResources()));
        CgroupName cgroup = null;
        if (cgroups != null && s.cgroupParent != null) {
            cgroup = s.cgroupParent.child(id);
            try {
                cgroups.create(cgroup);
                cgroups.populateKernelDefaults(cgroup); // the files a kernel makes at mkdir, with its defaults
                writeCgroup(cgroup, LinuxContainerResources.getDefaultInstance(), resources, "create container " + id);
            } catch (StatusRuntimeException e) {
                removeQuietly(cgroup);
                throw e;
            } catch (CgroupException e) {
                removeQuietly(cgroup);
                throw Status.UNKNOWN.withDescription("failed to create container " + id + ": " + e.getMessage())
                        .withCause(e).asRuntimeException();
            }
        }
        FakeContainer c = new FakeContainer(id, s.id, config, resources, cgroup, nanos());
        containers.put(id, c);
        emit(c, ContainerEventType.CONTAINER_CREATED_EVENT);
        return c;
    }

    /** Starts the container; its command decides when it exits ({@link ExitModel}). */
    private void startLocked(FakeContainer c) {
        c.state = ContainerState.CONTAINER_RUNNING;
        c.startedAt = nanos();
        emit(c, ContainerEventType.CONTAINER_STARTED_EVENT);
        if (ExitModel.of(c.config.getCommandList(), c.config.getArgsList()) instanceof ExitModel.ExitAfter exit) {
            if (exit.delay().isZero()) {
                exitLocked(c, exit.code());
            } else {
                c.pendingExit = exitTimer.schedule(exit.delay(), () -> {
                    synchronized (lock) {
                        if (containers.get(c.id) == c) {
                            exitLocked(c, exit.code());
                        }
                    }
                });
            }
        }
    }

    /** The process ends by itself with {@code code}: containerd's reasons are Completed (0) and Error. */
    private void exitLocked(FakeContainer c, int code) {
        if (c.state == ContainerState.CONTAINER_RUNNING) {
            log.debug("fake-cri container exited container={} code={}", c.id, code);
            stopLocked(c, code, code == 0 ? "Completed" : "Error");
        }
    }

    private void stopLocked(FakeContainer c, int exitCode, String reason) {
        if (c.pendingExit != null) {
            c.pendingExit.cancel();
            c.pendingExit = null;
        }
        if (c.state == ContainerState.CONTAINER_EXITED) {
            return;
        }
        if (c.state == ContainerState.CONTAINER_RUNNING) {
            c.exitCode = exitCode;
            c.reason = reason;
        }
        c.state = ContainerState.CONTAINER_EXITED;
        c.finishedAt = nanos();
        emit(c, ContainerEventType.CONTAINER_STOPPED_EVENT);
    }

    private void removeLocked(FakeContainer c) {
        if (c.cgroup != null) {
            try {
                cgroups.remove(c.cgroup);
            } catch (CgroupException e) {
                throw Status.UNKNOWN.withDescription("failed to remove container " + c.id + ": " + e.getMessage())
                        .withCause(e).asRuntimeException();
            }
        }
        containers.remove(c.id);
        emit(c, ContainerEventType.CONTAINER_DELETED_EVENT);
    }

    /**
     * Writes the non-zero fields of {@code wanted}; on failure, restores {@code current} (best effort) so
     * that a rejected call leaves the files as they were.
     */
    private void writeCgroup(CgroupName cgroup, LinuxContainerResources current, LinuxContainerResources wanted,
            String what) {
        CgroupResources r = toCgroup(wanted);
        if (cgroups.config().version() == CgroupVersion.V1 && r.memoryLimitBytes() != null
                && r.memoryLimitBytes() != CgroupResources.UNLIMITED) {
            long usage = cgroups.memoryUsage(cgroup);
            if (usage > r.memoryLimitBytes()) {
                // what the v1 kernel answers when it cannot reclaim below the new limit
                throw Status.UNKNOWN.withDescription("failed to " + what + ": failed to write \""
                        + r.memoryLimitBytes() + "\" to memory.limit_in_bytes: device or resource busy (usage "
                        + usage + ")").asRuntimeException();
            }
        }
        try {
            cgroups.set(cgroup, r);
        } catch (CgroupException e) {
            CgroupResources previous = toCgroup(current);
            try {
                cgroups.set(cgroup, previous);
            } catch (CgroupException restore) {
                e.addSuppressed(restore);
            }
            throw Status.UNKNOWN.withDescription("failed to " + what + ": " + e.getMessage()).withCause(e)
                    .asRuntimeException();
        }
    }

    private void removeQuietly(CgroupName cgroup) {
        try {
            cgroups.remove(cgroup);
        } catch (CgroupException e) {
            log.warn("fake-cri cannot clean up cgroup={}", cgroup, e);
        }
    }

    private void emit(FakeContainer c, ContainerEventType type) {
        if (subscribers.isEmpty()) {
            return;
        }
        Sandbox s = sandboxes.get(c.sandboxId);
        ContainerEventResponse.Builder e = ContainerEventResponse.newBuilder()
                .setContainerId(c.id)
                .setContainerEventType(type)
                .setCreatedAt(nanos())
                .addContainersStatuses(c.status(!legacy));
        if (s != null) {
            e.setPodSandboxStatus(s.status());
        }
        ContainerEventResponse event = e.build();
        for (ServerCallStreamObserver<ContainerEventResponse> sub : subscribers) {
            try {
                if (!sub.isCancelled()) {
                    sub.onNext(event);
                }
            } catch (RuntimeException ex) {
                subscribers.remove(sub);
                log.debug("fake-cri dropped an event subscriber", ex);
            }
        }
    }

    private List<FakeContainer> containersOf(String sandboxId) {
        List<FakeContainer> out = new ArrayList<>();
        for (FakeContainer c : containers.values()) {
            if (c.sandboxId.equals(sandboxId)) {
                out.add(c);
            }
        }
        return out;
    }

    private Sandbox sandboxLocked(String id) {
        requireId(id, "sandbox");
        Sandbox s = sandboxes.get(id);
        if (s == null) {
            throw Status.NOT_FOUND.withDescription("an error occurred when try to find sandbox \"" + id
                    + "\": not found").asRuntimeException();
        }
        return s;
    }

    private FakeContainer containerLocked(String id) {
        requireId(id, "container");
        FakeContainer c = containers.get(id);
        if (c == null) {
            throw Status.NOT_FOUND.withDescription("an error occurred when try to find container \"" + id
                    + "\": not found").asRuntimeException();
        }
        return c;
    }

    // ---------------------------------------------------------------- the call envelope

    private <R> void handle(CriRpc rpc, String id, Message request, StreamObserver<R> out, Supplier<R> body) {
        record(rpc, id, request);
        R response;
        try {
            if (!delay(rpc)) {
                out.onError(Status.CANCELLED.withDescription("call cancelled while delayed").asRuntimeException());
                return;
            }
            Fault fault = takeFault(rpc);
            if (fault != null && !fault.afterApply()) {
                out.onError(fault.status().asRuntimeException());
                return;
            }
            response = body.get();
            if (fault != null) {
                out.onError(fault.status().asRuntimeException()); // applied, and still an error
                return;
            }
        } catch (StatusRuntimeException e) {
            out.onError(e);
            return;
        } catch (RuntimeException e) {
            log.warn("fake-cri call failed rpc={} id={}", rpc.methodName(), id, e);
            out.onError(Status.UNKNOWN.withDescription(String.valueOf(e.getMessage())).withCause(e).asRuntimeException());
            return;
        }
        out.onNext(response);
        out.onCompleted();
    }

    private void record(CriRpc rpc, String id, Message request) {
        RecordedCall call = new RecordedCall(sequence.incrementAndGet(), rpc, id, request, clock.instant());
        callCounts.incrementAndGet(rpc.ordinal());
        calls.add(call);
        for (Consumer<RecordedCall> l : callListeners) {
            l.accept(call);
        }
    }

    /** Waits the injected latency; false if the call was cancelled (client deadline, server stop) meanwhile. */
    private boolean delay(CriRpc rpc) {
        Duration latency = latencies.get(rpc);
        if (latency == null) {
            return !Context.current().isCancelled();
        }
        Context ctx = Context.current();
        CountDownLatch cancelled = new CountDownLatch(1);
        Context.CancellationListener listener = c -> cancelled.countDown();
        ctx.addListener(listener, Runnable::run);
        try {
            cancelled.await(latency.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            ctx.removeListener(listener);
        }
        return !ctx.isCancelled();
    }

    private Fault takeFault(CriRpc rpc) {
        Fault[] taken = new Fault[1];
        faults.computeIfPresent(rpc, (k, f) -> {
            taken[0] = f;
            if (f.remaining == Fault.FOREVER) {
                return f;
            }
            return f.remaining > 1 ? new Fault(f.status, f.remaining - 1, f.afterApply) : null;
        });
        return taken[0];
    }

    /** The latest {@code capacity} calls; a lock, not copy-on-write, since every call appends. */
    private static final class CallLog {
        private final int capacity;
        private final ArrayDeque<RecordedCall> ring = new ArrayDeque<>(); // guarded by this
        private long dropped; // guarded by this

        CallLog(int capacity) {
            this.capacity = capacity;
        }

        synchronized void add(RecordedCall call) {
            if (capacity == 0) {
                dropped++;
                return;
            }
            if (ring.size() >= capacity) {
                ring.removeFirst();
                dropped++;
            }
            ring.addLast(call);
        }

        synchronized List<RecordedCall> snapshot() {
            return List.copyOf(ring);
        }

        synchronized void clear() {
            ring.clear();
        }

        synchronized long dropped() {
            return dropped;
        }
    }

    private record Fault(Status status, int remaining, boolean afterApply) {
        static final int FOREVER = -1;
    }

    // ---------------------------------------------------------------- values

    /** Rejects what a runtime (or the kernel beneath it) would reject. */
    static void validate(LinuxContainerResources r) {
        if (r.getCpuShares() < 0) {
            throw invalid("cpu_shares must not be negative, got " + r.getCpuShares());
        }
        if (r.getCpuQuota() < -1) {
            throw invalid("cpu_quota must be -1 (unlimited), 0 (unchanged) or positive, got " + r.getCpuQuota());
        }
        if (r.getCpuQuota() > 0 && r.getCpuQuota() < CpuConversions.MIN_QUOTA_PERIOD_US) {
            throw invalid("cpu_quota must be at least 1000 (1ms), got " + r.getCpuQuota());
        }
        if (r.getCpuPeriod() < 0) {
            throw invalid("cpu_period must not be negative, got " + r.getCpuPeriod());
        }
        if (r.getCpuPeriod() > 0 && (r.getCpuPeriod() < 1000 || r.getCpuPeriod() > 1_000_000)) {
            throw invalid("cpu_period must be within [1000, 1000000] microseconds, got " + r.getCpuPeriod());
        }
        if (r.getMemoryLimitInBytes() < 0) {
            throw invalid("memory_limit_in_bytes must not be negative, got " + r.getMemoryLimitInBytes());
        }
        if (r.getMemorySwapLimitInBytes() < -1) {
            throw invalid("memory_swap_limit_in_bytes must be -1 (unlimited) or positive, got "
                    + r.getMemorySwapLimitInBytes());
        }
        if (r.getMemorySwapLimitInBytes() > 0 && r.getMemoryLimitInBytes() > 0
                && r.getMemorySwapLimitInBytes() < r.getMemoryLimitInBytes()) {
            throw invalid("memory_swap_limit_in_bytes (" + r.getMemorySwapLimitInBytes()
                    + ") must not be below memory_limit_in_bytes (" + r.getMemoryLimitInBytes() + ")");
        }
        if (r.getOomScoreAdj() < -1000 || r.getOomScoreAdj() > 1000) {
            throw invalid("oom_score_adj must be within [-1000, 1000], got " + r.getOomScoreAdj());
        }
    }

    /** containerd's update: a zero field leaves the value; a memory limit without swap sets swap to it. */
    static LinuxContainerResources merge(LinuxContainerResources current, LinuxContainerResources update) {
        LinuxContainerResources.Builder b = current.toBuilder();
        if (update.getCpuPeriod() != 0) {
            b.setCpuPeriod(update.getCpuPeriod());
        }
        if (update.getCpuQuota() != 0) {
            b.setCpuQuota(update.getCpuQuota());
        }
        if (update.getCpuShares() != 0) {
            b.setCpuShares(update.getCpuShares());
        }
        if (update.getMemoryLimitInBytes() != 0) {
            b.setMemoryLimitInBytes(update.getMemoryLimitInBytes());
            b.setMemorySwapLimitInBytes(update.getMemorySwapLimitInBytes() != 0
                    ? update.getMemorySwapLimitInBytes() : update.getMemoryLimitInBytes());
        } else if (update.getMemorySwapLimitInBytes() != 0) {
            b.setMemorySwapLimitInBytes(update.getMemorySwapLimitInBytes());
        }
        if (update.getOomScoreAdj() != 0) {
            b.setOomScoreAdj(update.getOomScoreAdj());
        }
        if (!update.getCpusetCpus().isEmpty()) {
            b.setCpusetCpus(update.getCpusetCpus());
        }
        if (!update.getCpusetMems().isEmpty()) {
            b.setCpusetMems(update.getCpusetMems());
        }
        if (update.getHugepageLimitsCount() > 0) {
            b.clearHugepageLimits().addAllHugepageLimits(update.getHugepageLimitsList());
        }
        b.putAllUnified(update.getUnifiedMap());
        return b.build();
    }

    /** The cgroup writes for the non-zero fields; shares are clamped to the kernel's range as the kernel does. */
    static CgroupResources toCgroup(LinuxContainerResources r) {
        Long shares = r.getCpuShares() == 0 ? null
                : Math.max(CpuConversions.MIN_SHARES, Math.min(CpuConversions.MAX_SHARES, r.getCpuShares()));
        return new CgroupResources(
                shares,
                r.getCpuQuota() == 0 ? null : r.getCpuQuota(),
                r.getCpuPeriod() == 0 ? null : r.getCpuPeriod(),
                r.getMemoryLimitInBytes() == 0 ? null : r.getMemoryLimitInBytes());
    }

    private static CgroupName parseCgroupParent(String cgroupParent) {
        if (cgroupParent.isEmpty()) {
            return null;
        }
        try {
            return CgroupName.parse(cgroupParent);
        } catch (InvalidCgroupNameException e) {
            throw invalid("invalid cgroup_parent \"" + cgroupParent + "\": " + e.getMessage());
        }
    }

    private static void requireId(String id, String kind) {
        if (id.isEmpty()) {
            throw invalid(kind + " ID must not be empty");
        }
    }

    private static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    private static boolean labelsMatch(Map<String, String> selector, Map<String, String> labels) {
        for (Map.Entry<String, String> e : selector.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static String sandboxName(PodSandboxMetadata md) {
        return md.getName() + "_" + md.getNamespace() + "_" + md.getUid() + "_" + md.getAttempt();
    }

    /** 64 hex characters, like containerd ids. */
    static String newId() {
        byte[] b = new byte[ID_BYTES];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private long nanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    // ---------------------------------------------------------------- state (guarded by lock)

    private static final class Sandbox {
        final String id;
        final PodSandboxConfig config;
        final String runtimeHandler;
        final CgroupName cgroupParent; // null: no cgroup_parent given
        final long createdAt;
        PodSandboxState state = PodSandboxState.SANDBOX_READY;
        LinuxContainerResources updatedResources;
        private volatile PodSandbox listed; // the last listing entry: immutable, built outside the lock

        Sandbox(String id, PodSandboxConfig config, String runtimeHandler, CgroupName cgroupParent, long createdAt) {
            this.id = id;
            this.config = config;
            this.runtimeHandler = runtimeHandler;
            this.cgroupParent = cgroupParent;
            this.createdAt = createdAt;
        }

        /**
         * The listing's entry; {@code state} as read under the runtime's lock (the other fields never change). Kept
         * while the state stays: a listing of 10,000 sandboxes built and sized every entry anew each time.
         */
        PodSandbox item(PodSandboxState state) {
            PodSandbox item = listed;
            if (item == null || item.getState() != state) {
                item = PodSandbox.newBuilder()
                        .setId(id)
                        .setMetadata(config.getMetadata())
                        .setState(state)
                        .setCreatedAt(createdAt)
                        .putAllLabels(config.getLabelsMap())
                        .putAllAnnotations(config.getAnnotationsMap())
                        .setRuntimeHandler(runtimeHandler)
                        .build();
                listed = item;
            }
            return item;
        }

        PodSandboxStatus status() {
            return PodSandboxStatus.newBuilder()
                    .setId(id)
                    .setMetadata(config.getMetadata())
                    .setState(state)
                    .setCreatedAt(createdAt)
                    .putAllLabels(config.getLabelsMap())
                    .putAllAnnotations(config.getAnnotationsMap())
                    .setRuntimeHandler(runtimeHandler)
                    .build();
        }
    }

    private static final class FakeContainer {
        final String id;
        final String sandboxId;
        final ContainerConfig config;
        final CgroupName cgroup; // null: no files
        final long createdAt;
        ContainerState state = ContainerState.CONTAINER_CREATED;
        LinuxContainerResources resources;
        long startedAt;
        long finishedAt;
        int exitCode;
        String reason = "";
        ExitTimer.Handle pendingExit; // the exit the ExitModel scheduled, while running
        private volatile Container listed; // the last listing entry: immutable, built outside the lock

        FakeContainer(String id, String sandboxId, ContainerConfig config, LinuxContainerResources resources,
                CgroupName cgroup, long createdAt) {
            this.id = id;
            this.sandboxId = sandboxId;
            this.config = config;
            this.resources = resources;
            this.cgroup = cgroup;
            this.createdAt = createdAt;
        }

        /**
         * The listing's entry; {@code state} as read under the runtime's lock (the other fields never change). Kept
         * while the state stays: every relist built and sized 2,000 entries anew, a resize changes none of them.
         */
        Container item(ContainerState state) {
            Container item = listed;
            if (item == null || item.getState() != state) {
                item = Container.newBuilder()
                        .setId(id)
                        .setPodSandboxId(sandboxId)
                        .setMetadata(config.getMetadata())
                        .setImage(config.getImage())
                        .setImageRef(config.getImage().getImage())
                        .setState(state)
                        .setCreatedAt(createdAt)
                        .putAllLabels(config.getLabelsMap())
                        .putAllAnnotations(config.getAnnotationsMap())
                        .build();
                listed = item;
            }
            return item;
        }

        ContainerStatus status(boolean withResources) {
            ContainerStatus.Builder b = ContainerStatus.newBuilder()
                    .setId(id)
                    .setMetadata(config.getMetadata())
                    .setState(state)
                    .setCreatedAt(createdAt)
                    .setStartedAt(startedAt)
                    .setFinishedAt(finishedAt)
                    .setExitCode(exitCode)
                    .setImage(config.getImage())
                    .setImageRef(config.getImage().getImage())
                    .setReason(reason)
                    .putAllLabels(config.getLabelsMap())
                    .putAllAnnotations(config.getAnnotationsMap())
                    .setLogPath(config.getLogPath());
            if (withResources) {
                b.setResources(ContainerResources.newBuilder().setLinux(resources));
            }
            return b.build();
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "FakeRuntime[sandboxes=" + sandboxes.size() + " containers=" + containers.size() + "]";
        }
    }
}
