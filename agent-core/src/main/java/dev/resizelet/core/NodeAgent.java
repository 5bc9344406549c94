package dev.resizelet.core;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.core.admission.AdmissionDecision;
import dev.resizelet.core.admission.Admitted;
import dev.resizelet.core.admission.AllocationListener;
import dev.resizelet.core.admission.AllocationManager;
import dev.resizelet.core.admission.NodeAllocatable;
import dev.resizelet.core.admission.NodeConfig;
import dev.resizelet.core.admission.NodeConfig.CpuManagerPolicy;
import dev.resizelet.core.admission.NodeConfig.MemoryManagerPolicy;
import dev.resizelet.core.admission.PodState;
import dev.resizelet.core.admission.ReconcileLoop;
import dev.resizelet.core.agent.EventLog;
import dev.resizelet.core.agent.StatusComposer;
import dev.resizelet.core.agent.StatusPublisher;
import dev.resizelet.core.api.AgentMetrics;
import dev.resizelet.core.api.AlreadyExistsException;
import dev.resizelet.core.api.GoneException;
import dev.resizelet.core.api.InvalidException;
import dev.resizelet.core.api.NotFoundException;
import dev.resizelet.core.api.PodEvent;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.enact.Backoff;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.runtime.ModelTargets;
import dev.resizelet.core.runtime.RuntimeEngine;
import dev.resizelet.core.runtime.RuntimeListener;
import dev.resizelet.core.runtime.StartPlanner;
import dev.resizelet.core.status.ResizeEvent;
import dev.resizelet.core.status.ResizeEventMessages;
import dev.resizelet.core.store.LogFiles;
import dev.resizelet.core.store.ObjectKey;
import dev.resizelet.core.store.PodStore;
import dev.resizelet.core.store.ResizeJournal;
import dev.resizelet.core.store.StatusSnapshot;
import dev.resizelet.core.store.StoreEvent;
import dev.resizelet.core.store.StoreException;
import dev.resizelet.core.store.StoredObject;
import dev.resizelet.core.validation.FieldError;
import dev.resizelet.core.validation.PodValidator;
import dev.resizelet.cri.CriClientOptions;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.GrpcRuntimeClient;
import dev.resizelet.cri.v1.VersionRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * resizelet as a library: pods go in, resizes are admitted, enacted through the CRI runtime and the
 * pod cgroups, and reported in each pod's status. The daemon's HTTP API and the benchmark harness are
 * thin shells around this class.
 *
 * <p>This class is wiring and a façade (DESIGN §2): the {@link PodStore} holds desired specs durably; the
 * {@link ReconcileLoop} is the single owner of every pod's resize record (desired, allocated, actuated, decision,
 * last error), decides on one thread and group-commits each batch to the {@link ResizeJournal}; the
 * {@link RuntimeEngine} enacts on worker threads and hands each pass's result back to the loop; the
 * {@link StatusPublisher} composes status from the loop's committed snapshot and the runtime's view on its own
 * thread and publishes it through the store, whose watchers have bounded buffers.
 *
 * <p>The parts of its own: the start ({@link StartState}, what it reads before anything is wired, and
 * {@link AgentStart}, up to ready and the runtime's read), the engine calls held until the start's adoption
 * ({@link HeldEngineCalls}), the status side ({@link PodStatuses}), spec updates ({@link PodUpdates}), deletions
 * ({@link PodDeletions}) and the engine's window on the loop's records ({@link LoopRecords}).
 */
public final class NodeAgent implements AutoCloseable {
    private final PodStore<Pod, PodStatus> store;
    private final ReconcileLoop loop;
    private final RuntimeEngine engine;
    private final CriRuntime cri;
    private final boolean ownsCri;
    private final PodStatuses statuses;
    private final PodUpdates updates;
    private final PodDeletions deletions;
    private final AgentStart start;
    private final Clock clock;
    private final ExecutorService workers;
    private final ScheduledExecutorService scheduler;
    private final Map<PodUid, ObjectKey> keysByUid = new ConcurrentHashMap<>();
    /** Pods being deleted (graceful or force) whose teardown is not done: never started or resized again. */
    private final Set<PodUid> terminating = ConcurrentHashMap.newKeySet();
    private final EventLog events;
    /** Engine calls made before the start's adoption gave the engine the pods the runtime kept: run once it has. */
    private final HeldEngineCalls engineCalls = new HeldEngineCalls();
    private volatile boolean ready;
    private final Path stateDir;
    private final LogFiles stateFiles;
    private final ResizeJournal journal;

    private NodeAgent(Builder b, CriRuntime cri, boolean ownsCri, String runtimeName) {
        this.clock = b.clock;
        this.cri = cri;
        this.ownsCri = ownsCri;
        this.events = new EventLog(clock);
        this.stateDir = b.stateDir;
        this.stateFiles = b.stateFiles;
        // the logs replayed, the status snapshot taken, the runtime listed (after a crash) side by side
        StartState startState = StartState.read(cri, b.stateDir, b.stateFiles, clock);
        this.store = startState.store();
        this.journal = startState.journal();
        try {
            // the wiring reads and writes nothing
            CgroupManager cgroups = new CgroupManager(b.cgroups, b.cgroupFs);
            NodeConfig node = new NodeConfig(b.allocatable, b.cpuManagerPolicy, b.memoryManagerPolicy, b.retryInterval);
            this.loop = new ReconcileLoop(new AllocationManager(node, clock, journal));
            LoopRecords records = new LoopRecords(loop);
            this.workers = Executors.newFixedThreadPool(b.workers, threads("resizelet-enact-%d"));
            this.scheduler = Executors.newSingleThreadScheduledExecutor(threads("resizelet-timer-%d"));
            this.engine = new RuntimeEngine(cri, cgroups, records, workers, scheduler, Backoff.DEFAULT,
                    new Listener(), clock, b.crashLoopBackoff);
            this.statuses = new PodStatuses(store, loop, records, engine, new StatusComposer(clock, runtimeName),
                    keysByUid, events);
            this.updates = new PodUpdates(store, loop, statuses);
            this.deletions = new PodDeletions(store, loop, engine, engineCalls, statuses, keysByUid, terminating,
                    clock);
            loop.addListener(new AllocationListener() {
                @Override
                public void onDecision(AdmissionDecision decision, PodState state) {
                    if (decision instanceof Admitted && state != null && state.allocated() != null
                            && keysByUid.containsKey(decision.uid()) && !terminating.contains(decision.uid())) {
                        // built where the pass (or a status read) first needs it: not on the owner's thread
                        Pod allocated = state.allocated();
                        engineCalls.run(() -> engine.submit(decision.uid(),
                                () -> ModelTargets.target(allocated, allocated.resources())));
                    }
                }

                @Override
                public void onCommitted(PodUid uid, PodState state) {
                    statuses.kick(uid);
                }
            });
            this.start = new AgentStart(startState, loop, engine, statuses, engineCalls, keysByUid, terminating, cri,
                    cgroups, clock);
        } catch (RuntimeException | Error e) {
            // what the start opened is closed again
            journal.close();
            store.close();
            throw e;
        }
        try {
            start.run(b.relistInterval, b.allocatable, () -> ready = true);
        } catch (RuntimeException | Error e) {
            // nothing of a start that failed runs on or holds the state dir's logs (the builder closes its client)
            shutDown(false, false);
            throw e;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    // ---- the API --------------------------------------------------------------------------------

    /** Validates and stores a new pod, then admits it; returns once the pod is durable. */
    public PodView create(Pod pod) {
        requireNonNull(pod, "pod");
        List<FieldError> errors = PodValidator.validateNew(pod);
        if (!errors.isEmpty()) {
            throw new InvalidException(pod.name(), errors);
        }
        Pod first = pod.withGeneration(1);
        ObjectKey key = new ObjectKey(pod.namespace(), pod.name());
        StoredObject<Pod, PodStatus> created;
        try {
            created = store.create(key, pod.uid().value(), first, statuses.initial(first));
        } catch (StoreException.AlreadyExists e) {
            throw new AlreadyExistsException(e.getMessage());
        }
        keysByUid.put(pod.uid(), key);
        loop.admitNewPod(first);
        return statuses.view(created);
    }

    /**
     * A new spec for an existing pod: a resize through the pod spec (1.27 clients) or the {@code resize}
     * subresource. Validated against the stored spec with the apiserver's rules; with {@code dryRun} nothing
     * is stored or admitted. Returns once the new spec is durable; admission and enactment follow.
     *
     * @param expectedResourceVersion null, or the version the caller read (409 if stale)
     */
    public PodView update(String namespace, String name, Pod newSpec, Long expectedResourceVersion,
            boolean resizeSubresource, boolean dryRun) {
        return update(namespace, name, newSpec, expectedResourceVersion, null, resizeSubresource, dryRun);
    }

    /**
     * As {@link #update(String, String, Pod, Long, boolean, boolean)}, with a second precondition: {@code
     * expectedGeneration}, the spec generation the caller derived {@code newSpec} from (a patch applied to the object
     * it read). The write is applied only if the stored spec is still that generation, else 409: a concurrent
     * writer's spec is never overwritten by a spec computed from an older one, and a status change in between (which
     * moves the resourceVersion but not the spec) is no conflict. The answer is the object exactly as this write
     * stored it: its generation holds the values sent.
     */
    public PodView update(String namespace, String name, Pod newSpec, Long expectedResourceVersion,
            Long expectedGeneration, boolean resizeSubresource, boolean dryRun) {
        return updates.update(namespace, name, newSpec, expectedResourceVersion, expectedGeneration,
                resizeSubresource, dryRun);
    }

    public Optional<PodView> get(String namespace, String name) {
        return store.get(new ObjectKey(namespace, name)).map(statuses::view);
    }

    /** Pods of one namespace, or of all when {@code namespace} is null, sorted by namespace and name. */
    public List<PodView> list(String namespace) {
        return store.list(namespace).stream().map(statuses::view).toList();
    }

    /** The store's current resourceVersion, for list responses. */
    public long resourceVersion() {
        return store.resourceVersion();
    }

    /** Deletes the pod with its own grace period ({@code spec.terminationGracePeriodSeconds}, default 30 s). */
    public PodView delete(String namespace, String name) {
        return delete(namespace, name, null);
    }

    /**
     * Deletes the pod as the apiserver and the kubelet do together. With a grace period above zero (the request's
     * {@code gracePeriodSeconds}, else the pod's {@code terminationGracePeriodSeconds}, default 30; a negative one is 1)
     * the pod is marked, durably, with {@code deletionTimestamp} (now + the period) and {@code
     * deletionGracePeriodSeconds} and stays listed (kubectl shows Terminating); its containers are stopped with the
     * grace period left, then containers, sandbox and pod cgroup are removed, and only then is the object removed
     * (watch DELETED) and its allocation freed. A crash meanwhile resumes the teardown at the next start. A second
     * delete may shorten the grace period, never lengthen it. With 0 (a force delete: {@code kubectl delete
     * --grace-period=0 --force}) the object and its allocation go at once and the teardown follows (a crash meanwhile
     * leaves orphans that the next start removes).
     *
     * @return the object as stored: marked for deletion, or (force) as it was removed
     */
    public PodView delete(String namespace, String name, Long gracePeriodSeconds) {
        return deletions.delete(namespace, name, gracePeriodSeconds);
    }

    /**
     * Streams pod changes (one namespace, or all when null) to {@code sink}, in resourceVersion order:
     * {@code sinceResourceVersion ≤ 0} starts with an ADDED for each pod. The sink must not block.
     *
     * @throws GoneException if {@code sinceResourceVersion} is older than the kept history
     */
    public AutoCloseable watch(String namespace, long sinceResourceVersion, Consumer<PodEvent> sink) {
        return watch(namespace, sinceResourceVersion, sink, () -> { });
    }

    /**
     * As {@link #watch(String, long, Consumer)}; live events reach {@code sink} on a delivery thread through a bounded
     * buffer. If the watcher falls too far behind it is closed and {@code onClosed} runs: re-list and watch again, as
     * with the apiserver.
     */
    public AutoCloseable watch(String namespace, long sinceResourceVersion, Consumer<PodEvent> sink, Runnable onClosed) {
        requireNonNull(sink, "sink");
        try {
            return store.watch(namespace, sinceResourceVersion, e -> sink.accept(toPodEvent(e)), onClosed);
        } catch (StoreException.Gone e) {
            throw new GoneException(e.getMessage());
        }
    }

    /** Resize events of one namespace (all when null), oldest first. */
    public List<ResizeEvent> events(String namespace) {
        return events.list(namespace);
    }

    /**
     * Ready once the logs were replayed and every pod re-admitted, and either the runtime's pods were adopted or the
     * statuses a clean stop left are served meanwhile ({@link #startedFromStatusSnapshot}).
     */
    public boolean ready() {
        return ready;
    }

    /** True when this start served the statuses a clean stop left and read the runtime after ready. */
    public boolean startedFromStatusSnapshot() {
        return start.statusesKept();
    }

    public AgentMetrics metrics() {
        return engine.metrics();
    }

    /** Resizes requested through {@link #update} since start. */
    public long requestedResizes() {
        return updates.requestedResizes();
    }

    /** The allocation state of a pod (for tests and diagnostics). */
    public Optional<PodState> allocation(PodUid uid) {
        return loop.state(uid);
    }

    /** Pods whose status waits to be published (a gauge of the publisher's backlog). */
    public int statusBacklog() {
        return statuses.backlog();
    }

    @Override
    public void close() {
        shutDown(stateDir != null, ownsCri);
    }

    /**
     * Stops every part; {@code snapshot}: a clean stop, which leaves the statuses for the next start; {@code closeCri}:
     * the client is the agent's to close.
     */
    private void shutDown(boolean snapshot, boolean closeCri) {
        ready = false;
        start.close();
        engine.close();
        statuses.close();
        loop.close();
        if (snapshot) {
            // after the last write to either log: the next start serves these statuses only if it finds the logs so
            statuses.writeSnapshot(stateFiles, stateDir,
                    new StatusSnapshot.LogMarks(store.logMark(), journal.logMark()));
        }
        journal.close();
        scheduler.shutdownNow();
        workers.shutdownNow();
        store.close();
        if (closeCri) {
            cri.close();
        }
    }

    // ---- reactions -------------------------------------------------------------------------------

    private final class Listener implements RuntimeListener {
        @Override
        public void changed(PodUid podUid) {
            statuses.kick(podUid);
        }

        @Override
        public void resizeCompleted(PodUid podUid, long generation) {
            // the pass's result, handed to the loop just before, retries deferred resizes (ReconcileLoop.recordPass);
            // the engine tells changed() right after, which publishes the status
        }

        @Override
        public void removed(PodUid podUid) {
            deletions.teardownDone(podUid);
        }

        @Override
        public void restarting(PodUid podUid, String container) {
            ObjectKey key = keysByUid.get(podUid);
            if (key != null) {
                events.record(new ResizeEvent(0, key.namespace(), key.name(), podUid, ResizeEvent.Type.KILLING,
                        ResizeEventMessages.restartRequired(container), clock.instant()));
            }
        }
    }

    private PodEvent toPodEvent(StoreEvent<Pod, PodStatus> e) {
        PodEvent.Type type = switch (e.type()) {
            case ADDED -> PodEvent.Type.ADDED;
            case MODIFIED -> PodEvent.Type.MODIFIED;
            case DELETED -> PodEvent.Type.DELETED;
        };
        return new PodEvent(type, statuses.view(e.object()));
    }

    /** The API's answer for a pod that is not stored (404). */
    static NotFoundException notFound(String name) {
        return new NotFoundException("pods \"" + name + "\" not found");
    }

    private static ThreadFactory threads(String nameFormat) {
        return new ThreadFactoryBuilder().setNameFormat(nameFormat).setDaemon(true).build();
    }

    /** Builds a started {@link NodeAgent}. */
    public static final class Builder {
        private String criEndpoint;
        private CriRuntime runtime;
        private CgroupConfig cgroups;
        private CgroupFs cgroupFs = CgroupFs.real();
        private NodeAllocatable allocatable;
        private CpuManagerPolicy cpuManagerPolicy = CpuManagerPolicy.NONE;
        private MemoryManagerPolicy memoryManagerPolicy = MemoryManagerPolicy.NONE;
        private Path stateDir;
        private LogFiles stateFiles = LogFiles.DISK;
        private Clock clock = Clock.systemUTC();
        private Duration relistInterval = Duration.ofSeconds(1);
        private Duration requestTimeout = CriClientOptions.DEFAULT_REQUEST_TIMEOUT;
        private Duration retryInterval = Duration.ofSeconds(30);
        private int workers = 16;
        private Backoff crashLoopBackoff = StartPlanner.KUBELET_CRASH_LOOP;

        private Builder() {
        }

        /** {@code unix:///run/containerd/containerd.sock} or {@code tcp://host:port}; the agent owns the client. */
        public Builder criEndpoint(String endpoint) {
            this.criEndpoint = requireNonNull(endpoint, "endpoint");
            return this;
        }

        /** A client the caller made (and closes), e.g. on an in-process channel. */
        public Builder runtime(CriRuntime client) {
            this.runtime = requireNonNull(client, "client");
            return this;
        }

        public Builder cgroups(CgroupConfig config) {
            this.cgroups = requireNonNull(config, "config");
            return this;
        }

        public Builder cgroupFs(CgroupFs fs) {
            this.cgroupFs = requireNonNull(fs, "fs");
            return this;
        }

        /** Node allocatable (capacity minus reserved) and the pod limit. */
        public Builder allocatable(long cpuMillis, long memoryBytes, int maxPods) {
            this.allocatable = new NodeAllocatable(cpuMillis, memoryBytes, maxPods);
            return this;
        }

        public Builder allocatable(long cpuMillis, long memoryBytes) {
            return allocatable(cpuMillis, memoryBytes, 110);
        }

        /** As {@link #allocatable(long, long, int)}, with the extended resources the node advertises, by name. */
        public Builder allocatable(long cpuMillis, long memoryBytes, int maxPods, Map<String, Long> extended) {
            this.allocatable = new NodeAllocatable(cpuMillis, memoryBytes, maxPods, extended);
            return this;
        }

        public Builder cpuManagerPolicy(CpuManagerPolicy policy) {
            this.cpuManagerPolicy = requireNonNull(policy, "policy");
            return this;
        }

        public Builder memoryManagerPolicy(MemoryManagerPolicy policy) {
            this.memoryManagerPolicy = requireNonNull(policy, "policy");
            return this;
        }

        /** Where pods and checkpoints live; without one, nothing survives a restart. */
        public Builder stateDir(Path dir) {
            this.stateDir = dir;
            return this;
        }

        /** The file operations of the state dir's logs (tests inject disk faults: {@code FaultyLogFiles}). */
        public Builder stateFiles(LogFiles files) {
            this.stateFiles = requireNonNull(files, "files");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        public Builder relistInterval(Duration interval) {
            this.relistInterval = requireNonNull(interval, "interval");
            return this;
        }

        /** The deadline of every CRI call (kubelet's runtime-request-timeout; default 2 minutes). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * The back-off before an exited container (a failed init container, a sidecar, an app container under
         * restart policy Always/OnFailure) is started again: the first restart is immediate, then {@code initial}
         * doubling up to {@code max} (the kubelet's: 10 s and 5 min).
         */
        public Builder crashLoopBackoff(Duration initial, Duration max) {
            this.crashLoopBackoff = new Backoff(initial, max);
            return this;
        }

        /** How often deferred resizes are retried even without a trigger. */
        public Builder retryInterval(Duration interval) {
            this.retryInterval = requireNonNull(interval, "interval");
            return this;
        }

        /**
         * Enactment threads (CRI calls run here, never on the allocation loop); default 16: a pass mostly waits on the
         * runtime, so the threads bound how many pods are enacted at once, not CPU use.
         */
        public Builder workers(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("workers must be at least 1, got " + n);
            }
            this.workers = n;
            return this;
        }

        /** Connects to the runtime (Version handshake), restores pods and checkpoints, starts the loops. */
        public NodeAgent build() {
            requireNonNull(cgroups, "cgroups: the cgroup root, top name, version and driver are required");
            requireNonNull(allocatable, "allocatable: node allocatable is required");
            if ((runtime == null) == (criEndpoint == null)) {
                throw new IllegalStateException("give exactly one of criEndpoint(...) or runtime(...)");
            }
            boolean owns = runtime == null;
            CriRuntime cri = owns ? GrpcRuntimeClient.connect(criEndpoint,
                    CriClientOptions.defaults().withRequestTimeout(requestTimeout)) : runtime;
            try {
                String runtimeName = cri.version(VersionRequest.newBuilder().setVersion("0.1.0").build()).getRuntimeName();
                return new NodeAgent(this, cri, owns, runtimeName);
            } catch (RuntimeException e) {
                if (owns) {
                    cri.close();
                }
                throw e;
            }
        }
    }
}
