package dev.resizelet.core;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.core.admission.AdmissionDecision;
import dev.resizelet.core.admission.AllocationManager;
import dev.resizelet.core.admission.Admitted;
import dev.resizelet.core.admission.NodeAllocatable;
import dev.resizelet.core.admission.NodeConfig;
import dev.resizelet.core.admission.NodeConfig.CpuManagerPolicy;
import dev.resizelet.core.admission.NodeConfig.MemoryManagerPolicy;
import dev.resizelet.core.admission.PodState;
import dev.resizelet.core.admission.ReconcileLoop;
import dev.resizelet.core.admission.AllocationListener;
import dev.resizelet.core.agent.EventLog;
import dev.resizelet.core.agent.StatusComposer;
import dev.resizelet.core.agent.StatusPublisher;
import dev.resizelet.core.enact.ActuationRecords;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.core.store.ResizeJournal;
import com.google.common.base.Suppliers;
import com.google.common.util.concurrent.ThreadFactoryBuilder;
import java.util.HashMap;
import dev.resizelet.core.api.AgentMetrics;
import dev.resizelet.core.api.AlreadyExistsException;
import dev.resizelet.core.api.ConflictException;
import dev.resizelet.core.api.GoneException;
import dev.resizelet.core.api.InvalidException;
import dev.resizelet.core.api.NotFoundException;
import dev.resizelet.core.api.PodEvent;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.status.ResizeEvent;
import dev.resizelet.core.enact.Backoff;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.runtime.ModelTargets;
import dev.resizelet.core.runtime.OrphanSweep;
import dev.resizelet.core.runtime.PodLifecycle;
import dev.resizelet.core.runtime.PodRuntimeView;
import dev.resizelet.core.runtime.PodSpec;
import dev.resizelet.core.runtime.PodTarget;
import dev.resizelet.core.runtime.RuntimeEngine;
import dev.resizelet.core.runtime.RuntimeListener;
import dev.resizelet.core.runtime.RuntimeListing;
import dev.resizelet.core.store.ObjectKey;
import dev.resizelet.core.store.PodSpecCodec;
import dev.resizelet.core.store.LogFiles;
import dev.resizelet.core.store.PodStore;
import dev.resizelet.core.store.StoreEvent;
import dev.resizelet.core.store.StatusSnapshot;
import dev.resizelet.core.store.StoreException;
import dev.resizelet.core.store.StoredObject;
import dev.resizelet.core.validation.DeletionRules;
import dev.resizelet.core.validation.FieldError;
import dev.resizelet.core.validation.FieldPath;
import dev.resizelet.core.validation.PodValidator;
import dev.resizelet.core.validation.ResizeSource;
import dev.resizelet.cri.CriClientOptions;
import dev.resizelet.cri.CriException;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.GrpcRuntimeClient;
import dev.resizelet.cri.v1.VersionRequest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 */
public final class NodeAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

    private final PodStore<Pod, PodStatus> store;
    private final ReconcileLoop loop;
    private final RuntimeEngine engine;
    private final CriRuntime cri;
    private final boolean ownsCri;
    private final StatusComposer composer;
    private final StatusPublisher publisher;
    private final Clock clock;
    private final ExecutorService workers;
    private final ScheduledExecutorService scheduler;
    private final Map<PodUid, ObjectKey> keysByUid = new ConcurrentHashMap<>();
    /** Pods being deleted (graceful or force) whose teardown is not done: never started or resized again. */
    private final java.util.Set<PodUid> terminating = ConcurrentHashMap.newKeySet();
    private final EventLog events;
    private final LoopRecords records = new LoopRecords();
    private final AtomicLong requestedResizes = new AtomicLong();
    private volatile boolean ready;
    private final Path stateDir;
    /**
     * Engine calls (passes, teardowns) made before the start's adoption gave the engine the pods the runtime kept,
     * run in order once it has; null from then on. Read without the lock once null; written under it.
     */
    private volatile List<Runnable> heldForAdoption = new java.util.ArrayList<>();
    private final Object adoptionLock = new Object();
    /**
     * The statuses a clean stop left ({@link StatusSnapshot}), served until the runtime was read after a restart; null
     * when there were none (the start then waits for the runtime, as after a crash) and once it was read.
     */
    private volatile Map<PodUid, PodStatus> unreadStatuses;
    /** The start served the statuses a clean stop left, and read the runtime after ready. */
    private boolean statusesKept;
    /** That read, on its own thread (null when the start read the runtime before ready). */
    private CompletableFuture<?> adopting;
    private volatile boolean closed;

    private NodeAgent(Builder b, CriRuntime cri, boolean ownsCri, String runtimeName) {
        this.clock = b.clock;
        this.cri = cri;
        this.ownsCri = ownsCri;
        this.composer = new StatusComposer(clock, runtimeName);
        this.events = new EventLog(clock);
        this.stateDir = b.stateDir;
        long t0 = System.nanoTime();
        CgroupManager cgroups = new CgroupManager(b.cgroups, b.cgroupFs);
        // what the runtime holds is read while the stores are decoded (DESIGN §7: a restart of 10,000 pods waits on
        // both); nothing is started before the adoption below has used it. After a clean stop (its statuses left in
        // a snapshot) the runtime is read after ready: the listing waits until then, and the stores get both cores
        Path snapshot = b.stateDir == null ? null : b.stateDir.resolve(StatusSnapshot.FILE);
        boolean snapshotLeft = snapshot != null && java.nio.file.Files.exists(snapshot);
        Supplier<CompletableFuture<RuntimeListing>> listing = Suppliers.memoize(() -> listRuntime(cri, t0));
        if (!snapshotLeft) {
            listing.get();
        }
        if (b.stateDir != null) {
            refuseOldCheckpoints(b.stateDir);
        }
        // taken (read and removed) whatever happens next, while the logs are replayed: a later start never serves
        // these statuses again
        CompletableFuture<Map<PodUid, PodStatus>> taking = !snapshotLeft ? CompletableFuture.completedFuture(Map.of())
                : background("resizelet-start-statuses", () -> StatusSnapshot.take(snapshot));
        // the two logs are independent files: replayed at once
        CompletableFuture<ResizeJournal> opening = b.stateDir == null ? CompletableFuture.completedFuture(
                ResizeJournal.inMemory()) : background("resizelet-start-journal",
                        () -> ResizeJournal.open(b.stateFiles, b.stateDir.resolve("resize")));
        try {
            this.store = b.stateDir == null ? PodStore.inMemory(new PodSpecCodec(), clock)
                    : PodStore.open(b.stateFiles, b.stateDir.resolve("pods"), new PodSpecCodec(), clock);
        } catch (RuntimeException e) {
            opening.thenAccept(ResizeJournal::close);
            throw e;
        }
        long tStore = System.nanoTime();
        ResizeJournal journal;
        try {
            journal = join(opening);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        long tJournal = System.nanoTime();
        Map<PodUid, PodStatus> lastStatuses;
        try {
            lastStatuses = join(taking);
        } catch (RuntimeException e) {
            // left in place, a later start (after a crash of this one) would serve statuses older than its state
            journal.close();
            store.close();
            throw new StoreException("status snapshot " + snapshot + " could not be removed after reading it ("
                    + e.getMessage() + "); make the state dir writable, or remove the file (the next start then waits "
                    + "for the runtime)", e);
        }
        NodeConfig node = new NodeConfig(b.allocatable, b.cpuManagerPolicy, b.memoryManagerPolicy, b.retryInterval);
        this.loop = new ReconcileLoop(new AllocationManager(node, clock, journal));
        this.workers = Executors.newFixedThreadPool(b.workers, threads("resizelet-enact-%d"));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(threads("resizelet-timer-%d"));
        this.publisher = new StatusPublisher(this::publishStatus, 2);
        this.engine = new RuntimeEngine(cri, cgroups, records, workers, scheduler, Backoff.DEFAULT,
                new Listener(), clock, b.crashLoopBackoff);
        loop.addListener(new AllocationListener() {
            @Override
            public void onDecision(AdmissionDecision decision, PodState state) {
                if (decision instanceof Admitted && state != null && state.allocated() != null
                        && keysByUid.containsKey(decision.uid()) && !terminating.contains(decision.uid())) {
                    // built where the pass (or a status read) first needs it: not on the owner's thread
                    Pod allocated = state.allocated();
                    toEngine(() -> engine.submit(decision.uid(),
                            () -> ModelTargets.target(allocated, allocated.resources())));
                }
            }

            @Override
            public void onCommitted(PodUid uid, PodState state) {
                publisher.kick(uid);
            }
        });

        // restart: every stored pod is re-admitted from the resize record before any pending resize
        List<StoredObject<Pod, PodStatus>> stored = store.list(null);
        stored.forEach(o -> keysByUid.put(o.spec().uid(), o.key()));
        stored.stream().filter(StoredObject::terminating).forEach(o -> terminating.add(o.spec().uid()));
        // a clean stop left every stored pod's status: served at ready, the runtime read after it (the apiserver
        // keeps a pod's status while its kubelet restarts); else (a crash) ready waits for the runtime
        Map<PodUid, PodStatus> last = lastStatuses;
        boolean statusesKept = !stored.isEmpty() && stored.stream().allMatch(o -> last.containsKey(o.spec().uid()));
        if (statusesKept) {
            unreadStatuses = last;
        } else if (!last.isEmpty()) {
            log.info("status snapshot does not hold every stored pod, the start waits for the runtime pods={} "
                    + "statuses={}", stored.size(), last.size());
        }
        CompletableFuture<?> restoring = loop.restore(stored.stream().map(StoredObject::spec).toList());
        // while the owner re-admits every pod: the adoption takes over the pods that hold an allocation (the runtime
        // can run no other), found by what a resize never changes (uid, containers, QoS tier)
        java.util.Set<PodUid> allocatedAtStart = journal.opened().allocated().keySet();
        Supplier<List<PodSpec>> toAdopt = () -> stored.parallelStream()
                .filter(o -> allocatedAtStart.contains(o.spec().uid())).map(o -> ModelTargets.spec(o.spec())).toList();
        if (!statusesKept) {
            adoptRunning(toAdopt.get(), listedOrNull(listing.get()));
        }
        long tAdopt = System.nanoTime();
        join(restoring);
        long tRestore = System.nanoTime();
        // every restored pod's first status (allocatedResources from the loop, containers as adopted or as the
        // clean stop left them), composed and published on both cores before the engine starts its passes: at ready
        // every pod is listed as it is, not composed by each reader while 10,000 passes and their status kicks
        // compete for the CPU; a pass that reads the runtime kicks the publisher as usual
        stored.parallelStream().forEach(o -> {
            try {
                publishStatus(o.spec().uid());
            } catch (RuntimeException e) {
                log.warn("restored pod's status not published at start, left to the publisher uid={} error=\"{}\"",
                        o.uid(), e.toString());
                publisher.kick(o.spec().uid());
            }
        });
        long tPublished = System.nanoTime();
        Duration relist = b.relistInterval;
        this.statusesKept = statusesKept;
        if (statusesKept) {
            adopting = background("resizelet-start-adopt", () -> {
                try {
                    if (!closed) {
                        adoptRunning(toAdopt.get(), listedOrNull(listing.get()));
                    }
                } catch (RuntimeException e) {
                    // a pod not adopted looks itself up in the runtime at its first pass (RuntimeEngine.remove too)
                    log.error("start: node-wide adoption failed, each pod looks itself up", e);
                } finally {
                    runtimeRead(stored, relist, listing, cgroups);
                }
                log.info("runtime read after ready pods={} ms={}", stored.size(), (System.nanoTime() - t0) / 1_000_000);
                return null;
            });
        } else {
            runtimeRead(stored, relist, listing, cgroups);
        }
        ready = true;
        log.info("node agent ready pods={} allocatable={} stateDir={} statusesKept={} podStoreMs={} journalMs={} "
                + "adoptMs={} restoreMs={} statusMs={} totalMs={}", stored.size(), b.allocatable, b.stateDir,
                statusesKept, (tStore - t0) / 1_000_000, (tJournal - tStore) / 1_000_000,
                (tAdopt - tJournal) / 1_000_000, (tRestore - tAdopt) / 1_000_000, (tPublished - tRestore) / 1_000_000,
                (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Once the engine adopted what the runtime kept (or failed to: each pod then looks itself up): statuses are
     * composed from the runtime again (each restored pod kicked when they were served from a snapshot), each restored
     * pod's first pass runs in the background, a few at a time (API readers and new resizes are not queued behind
     * 10,000 of them), acknowledged deletions resume, the engine calls held meanwhile run in their order, and the
     * relist and the orphan sweep start. The passes, the teardowns and the held calls go to the engine under the lock
     * that holds new calls back, and the passes' targets are read then: a pod deleted meanwhile gets no pass, and a
     * call made meanwhile runs after them.
     */
    private void runtimeRead(List<StoredObject<Pod, PodStatus>> stored, Duration relistInterval,
            Supplier<CompletableFuture<RuntimeListing>> listing, CgroupManager cgroups) {
        try {
            if (unreadStatuses != null) {
                unreadStatuses = null;
                stored.forEach(o -> publisher.kick(o.spec().uid()));
            }
            synchronized (adoptionLock) {
                if (!closed) {
                    engine.submitRestored(restoredTargets(stored));
                    resumeTeardowns(stored);
                }
                for (Runnable call : closed ? List.<Runnable>of() : heldForAdoption) {
                    try {
                        call.run();
                    } catch (RuntimeException e) {
                        log.warn("engine call held for the adoption failed error=\"{}\"", e.toString());
                    }
                }
                heldForAdoption = null;
            }
        } finally {
            heldForAdoption = null; // never left holding calls, whatever failed above
        }
        if (closed) {
            return;
        }
        engine.start(relistInterval);
        // what a crash left of pods that are no longer stored is removed in the background, as the kubelet's
        // housekeeping does: it belongs to no stored pod, so nothing the agent adopts or starts waits for it (at
        // 10,000 pods the walk of every pod cgroup took a tenth of the restart's CPU)
        CompletableFuture<RuntimeListing> listed = listing.get();
        background("resizelet-start-sweep", () -> {
            sweepOrphans(cgroups, stored, listed);
            return null;
        });
    }

    /** Each restored pod's first pass: its allocation now, the target built where the pass needs it. */
    private Map<PodUid, Supplier<PodTarget>> restoredTargets(List<StoredObject<Pod, PodStatus>> stored) {
        Map<PodUid, Supplier<PodTarget>> targets = new java.util.LinkedHashMap<>();
        for (StoredObject<Pod, PodStatus> o : stored) {
            PodUid uid = o.spec().uid();
            Pod allocated = terminating.contains(uid) || !keysByUid.containsKey(uid) ? null
                    : loop.state(uid).map(PodState::allocated).orElse(null);
            if (allocated != null) {
                targets.put(uid, () -> ModelTargets.target(allocated, allocated.resources()));
            }
        }
        return targets;
    }

    /** A deletion the last run acknowledged resumes: the grace period runs on from its deletionTimestamp. */
    private void resumeTeardowns(List<StoredObject<Pod, PodStatus>> stored) {
        for (StoredObject<Pod, PodStatus> o : stored) {
            if (o.terminating()) {
                log.info("resuming the teardown of a pod being deleted pod={} uid={} deletionTimestamp={}", o.key(),
                        o.uid(), o.deletion().timestamp());
                engine.remove(o.spec().uid(), o.deletion().timestamp());
            }
        }
    }

    /** A call to the engine: now, or once the start's adoption is done if it still runs (in the order made). */
    private void toEngine(Runnable call) {
        if (heldForAdoption != null) {
            synchronized (adoptionLock) {
                if (heldForAdoption != null) {
                    heldForAdoption.add(call);
                    return;
                }
            }
        }
        call.run();
    }

    /** The node-wide listing, the sandboxes and the containers at once: a runtime answers the two side by side. */
    private static CompletableFuture<RuntimeListing> listRuntime(CriRuntime cri, long t0) {
        return background("resizelet-start-sandboxes", () -> RuntimeListing.sandboxes(cri))
                .thenCombine(background("resizelet-start-containers", () -> RuntimeListing.containers(cri)),
                        (sandboxes, containers) -> {
                            log.info("runtime listed sandboxes={} containers={} ms={}", sandboxes.size(),
                                    containers.size(), (System.nanoTime() - t0) / 1_000_000);
                            return new RuntimeListing(sandboxes, containers);
                        });
    }

    /**
     * The first release kept allocated and actuated resources as one checkpoint file per pod ({@code allocated/},
     * {@code actuated/}); the resize journal replaced them. Starting over them silently would re-admit every pod as
     * new, so the start stops and says what to do.
     */
    private static void refuseOldCheckpoints(Path stateDir) {
        Path old = stateDir.resolve("allocated");
        if (java.nio.file.Files.isDirectory(old)
                && !java.nio.file.Files.exists(stateDir.resolve("resize").resolve("resize.log"))) {
            throw new StoreException.Corrupt("state dir " + stateDir + " holds per-pod checkpoints of an older resizelet ("
                    + old + ", " + stateDir.resolve("actuated") + ") that this version does not read; drain the node "
                    + "and move both directories away to let resizelet re-admit every pod from its spec");
        }
    }

    /**
     * After the start: what a crash left of pods that are no longer stored (a force delete whose teardown did not
     * finish, a pod removed from the store just before the crash) is removed, only what the agent made. The start's
     * listing holds nothing created since; the pod cgroups are walked now, so every pod known once the walk is done
     * counts as stored too (a pod is known before anything of it is created). A runtime that cannot be listed now
     * only delays this to the next start.
     */
    private void sweepOrphans(CgroupManager cgroups, List<StoredObject<Pod, PodStatus>> stored,
            CompletableFuture<RuntimeListing> listing) {
        if (closed) {
            return; // a new agent may run on this runtime now: what it made is no orphan of ours
        }
        try {
            List<OrphanSweep.PodCgroupDir> podCgroups = OrphanSweep.podCgroupDirs(cgroups);
            java.util.Set<PodUid> uids = new java.util.HashSet<>(keysByUid.keySet());
            stored.forEach(o -> uids.add(o.spec().uid()));
            new OrphanSweep(cri, cgroups, new PodLifecycle(cri, cgroups, clock)).sweep(uids, join(listing), podCgroups);
        } catch (RuntimeException e) {
            log.warn("orphan sweep failed, tried again at the next start error=\"{}\"", e.getMessage());
        }
    }

    /** The start's runtime listing, or null if it failed (the adoption then lists again itself). */
    private static RuntimeListing listedOrNull(CompletableFuture<RuntimeListing> listing) {
        try {
            return join(listing);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * The node-wide listing read at start finds the pods the runtime kept (listed again if that read failed); if that
     * fails too, each pod searches on its own.
     */
    private void adoptRunning(List<PodSpec> pods, RuntimeListing listed) {
        try {
            engine.adoptRunning(pods, listed);
        } catch (CriException e) {
            log.warn("node-wide adoption listing failed, adopting pod by pod error=\"{}\"", e.getMessage());
        }
    }

    /** Runs {@code work} on a thread of its own (start-up reads that overlap). */
    private static <T> CompletableFuture<T> background(String name, java.util.function.Supplier<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(work.get());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return f;
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
            created = store.create(key, pod.uid().value(), first, composer.initial(first));
        } catch (StoreException.AlreadyExists e) {
            throw new AlreadyExistsException(e.getMessage());
        }
        keysByUid.put(pod.uid(), key);
        loop.admitNewPod(first);
        return view(created);
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
        ObjectKey key = new ObjectKey(namespace, name);
        ResizeSource source = resizeSubresource ? ResizeSource.RESIZE_SUBRESOURCE : ResizeSource.POD_UPDATE;
        StoredObject<Pod, PodStatus> current = store.get(key).orElseThrow(() -> notFound(name));
        if ((expectedResourceVersion != null && expectedResourceVersion != current.resourceVersion())
                || (expectedGeneration != null && expectedGeneration != current.generation())) {
            throw new ConflictException(new StoreException.Conflict(key).getMessage());
        }
        Pod next = validated(current, newSpec, source);
        refuseResizeWhileTerminating(current, next);
        if (dryRun) {
            return new PodView(next, current.status(), current.resourceVersion(), next.generation(),
                    current.creationTimestamp());
        }
        if (next.withGeneration(current.generation()).equals(current.spec())) {
            return view(current); // nothing changed: like the apiserver, no new generation and no write
        }
        StoredObject<Pod, PodStatus> updated;
        try {
            updated = store.updateSpec(key, expectedResourceVersion, o -> {
                if (expectedGeneration != null && o.generation() != expectedGeneration) {
                    throw new StoreException.Conflict(key);
                }
                // validated above against the same spec generation: only a spec written meanwhile is checked again
                Pod checked = o.generation() == current.generation() ? next : validated(o, newSpec, source);
                refuseResizeWhileTerminating(o, checked);
                return new PodStore.Change<>(checked, o.status(), checked.generation() != o.generation());
            });
        } catch (StoreException.NotFound e) {
            throw notFound(name);
        } catch (StoreException.Conflict e) {
            throw new ConflictException(e.getMessage());
        }
        if (updated.generation() == current.generation()) {
            return view(updated); // labels or annotations only: nothing to admit or enact
        }
        requestedResizes.incrementAndGet();
        // the loop ignores a spec older than one it has seen: writers racing to it cannot reorder generations
        loop.requestResize(updated.spec()); // its decision is published once durable (onCommitted)
        return view(updated);
    }

    public Optional<PodView> get(String namespace, String name) {
        return store.get(new ObjectKey(namespace, name)).map(this::view);
    }

    /** Pods of one namespace, or of all when {@code namespace} is null, sorted by namespace and name. */
    public List<PodView> list(String namespace) {
        return store.list(namespace).stream().map(this::view).toList();
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
        ObjectKey key = new ObjectKey(namespace, name);
        // milliseconds: what the store keeps, so a mark reads the same after a restart
        Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        StoredObject<Pod, PodStatus> current = store.get(key).orElseThrow(() -> notFound(name));
        DeletionRules.Decision decision = decideDeletion(current, gracePeriodSeconds, now);
        if (decision instanceof DeletionRules.Immediate) {
            return forceDelete(key, current.spec().uid(), name);
        }
        if (decision instanceof DeletionRules.Mark) {
            return markDeleting(key, current.spec().uid(), name, gracePeriodSeconds, now);
        }
        return view(current); // Unchanged: a graceful deletion is pending and this request does not shorten it
    }

    private static DeletionRules.Decision decideDeletion(StoredObject<Pod, PodStatus> o, Long gracePeriodSeconds,
            Instant now) {
        String phase = o.status() == null ? null : o.status().phase();
        return DeletionRules.decide(o.spec(), phase, o.deletion(), gracePeriodSeconds, now);
    }

    /** The apiserver's first phase of a graceful delete, durably; then the teardown starts (or is hurried). */
    private PodView markDeleting(ObjectKey key, PodUid uid, String name, Long gracePeriodSeconds, Instant now) {
        StoredObject<Pod, PodStatus> marked;
        try {
            // decided again under the store's lock, on the object as it is now (a concurrent delete may have marked it)
            marked = store.markDeleting(key, o -> {
                if (!o.uid().equals(uid.value())) {
                    throw new StoreException.NotFound(key);
                }
                return decideDeletion(o, gracePeriodSeconds, now) instanceof DeletionRules.Mark m ? m.deletion() : null;
            });
        } catch (StoreException.NotFound e) {
            throw notFound(name);
        }
        if (marked.deletion() == null) {
            return view(marked);
        }
        terminating.add(uid);
        toEngine(() -> engine.remove(uid, marked.deletion().timestamp()));
        log.info("pod deletion requested pod={} uid={} gracePeriodSeconds={} deletionTimestamp={}", key, marked.uid(),
                marked.deletion().gracePeriodSeconds(), marked.deletion().timestamp());
        return view(marked);
    }

    /** gracePeriodSeconds=0: the object and the allocation go now; the teardown follows with the least grace period. */
    private PodView forceDelete(ObjectKey key, PodUid uid, String name) {
        StoredObject<Pod, PodStatus> deleted = store.deleteIfUid(key, uid.value()).orElseThrow(() -> notFound(name));
        terminating.add(uid);
        toEngine(() -> engine.remove(uid));
        join(loop.removePod(uid)); // freed when the answer goes out: a new pod may take its room
        log.info("pod force-deleted pod={} uid={}", key, uid);
        return view(deleted);
    }

    /** On a worker thread, when a pod's teardown is done: the object goes (watch DELETED) and its allocation is freed. */
    private void teardownDone(PodUid uid) {
        // the allocation first: once a watcher sees DELETED, the room is free (a crash in between re-admits the pod from
        // its record and resumes its teardown, which finds nothing left, so nothing is over-counted for long)
        join(loop.removePod(uid));
        ObjectKey key = keysByUid.get(uid);
        if (key != null) {
            try {
                store.deleteIfUid(key, uid.value());
            } catch (StoreException e) {
                // the mark stays durable: the next start resumes (and finds nothing left to tear down)
                log.warn("pod torn down but not removed from the store pod={} uid={} error=\"{}\"", key, uid,
                        e.getMessage());
                return;
            }
        }
        keysByUid.remove(uid);
        terminating.remove(uid);
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
        return statusesKept;
    }

    public AgentMetrics metrics() {
        return engine.metrics();
    }

    /** Resizes requested through {@link #update} since start. */
    public long requestedResizes() {
        return requestedResizes.get();
    }

    /** The allocation state of a pod (for tests and diagnostics). */
    public Optional<PodState> allocation(PodUid uid) {
        return loop.state(uid);
    }

    /** Pods whose status waits to be published (a gauge of the publisher's backlog). */
    public int statusBacklog() {
        return publisher.backlog();
    }

    @Override
    public void close() {
        ready = false;
        closed = true;
        awaitStartAdoption();
        engine.close();
        publisher.close();
        if (stateDir != null) {
            writeStatusSnapshot();
        }
        loop.close();
        scheduler.shutdownNow();
        workers.shutdownNow();
        store.close();
        if (ownsCri) {
            cri.close();
        }
    }

    /**
     * A close during the start's read of the runtime (after ready) waits for it a while: it then stops before it
     * starts anything (the {@code closed} checks), and nothing of it runs on once the engine is closed.
     */
    private void awaitStartAdoption() {
        if (adopting == null) {
            return;
        }
        try {
            adopting.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            log.warn("closing while the start still reads the runtime (its listing did not answer in 10 s)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            log.warn("the start's read of the runtime failed error=\"{}\"", e.getCause().toString());
        }
    }

    /**
     * A clean stop leaves every pod's last status for the next start ({@link StatusSnapshot}); a failure only costs
     * that start its wait for the runtime.
     */
    private void writeStatusSnapshot() {
        try {
            Map<PodUid, PodStatus> statuses = new HashMap<>();
            for (StoredObject<Pod, PodStatus> o : store.list(null)) {
                // composed now: the publisher's kicks still queued at the stop are not lost with it
                statuses.put(o.spec().uid(), compose(o.spec().uid(), o).status());
            }
            StatusSnapshot.write(stateDir.resolve(StatusSnapshot.FILE), statuses);
        } catch (RuntimeException e) {
            log.warn("status snapshot not written, the next start waits for the runtime error=\"{}\"", e.toString());
        }
    }

    // ---- reactions -------------------------------------------------------------------------------

    private Pod validated(StoredObject<Pod, PodStatus> current, Pod newSpec, ResizeSource source) {
        Pod old = current.spec();
        Pod candidate = new Pod(old.namespace(), old.name(), old.uid(), current.generation(), newSpec.priority(),
                newSpec.annotations(), newSpec.initContainers(), newSpec.containers(),
                source == ResizeSource.RESIZE_SUBRESOURCE ? old.labels() : newSpec.labels(), newSpec.restartPolicy(),
                old.terminationGracePeriodSeconds(), newSpec.podResources());
        List<FieldError> errors = PodValidator.validateResize(old, candidate, source);
        if (!errors.isEmpty()) {
            throw new InvalidException(old.name(), errors);
        }
        // the apiserver's updatePodGeneration: a new generation for a spec change, none for labels or annotations
        boolean specChanged = !candidate.withMetadataOf(old).equals(old.withGeneration(current.generation()));
        return candidate.withGeneration(specChanged ? current.generation() + 1 : current.generation());
    }

    /**
     * A pod being deleted is not resized: its containers are stopping. The kubelet ignores such a resize (a terminating
     * pod's worker only tears down); the agent says so at once rather than accept a spec it will never enact. Other
     * changes (labels) are allowed, as on any pod.
     */
    private static void refuseResizeWhileTerminating(StoredObject<Pod, PodStatus> current, Pod next) {
        if (current.terminating()
                && !next.resources().sameResources(current.spec().resources())) {
            throw new InvalidException(current.spec().name(), List.of(FieldError.forbidden(FieldPath.root(""),
                    "pods that are being deleted cannot be resized")));
        }
    }

    /**
     * On the publisher thread: recomposes the pod's status from the three views and publishes it (and its resize
     * events) through the store.
     */
    private void publishStatus(PodUid uid) {
        ObjectKey key = keysByUid.get(uid);
        if (key == null) {
            return;
        }
        List<ResizeEvent> produced = new java.util.ArrayList<>(1);
        // composed outside the store's lock (writers never wait on it); stored only if nobody changed the object
        // meanwhile, else composed again under the lock from what is there now
        StoredObject<Pod, PodStatus> read = store.get(key).orElse(null);
        if (read == null) {
            return;
        }
        StatusComposer.Composed outside = compose(uid, read);
        store.updateStatus(key, o -> {
            StatusComposer.Composed c = o.resourceVersion() == read.resourceVersion() ? outside : compose(uid, o);
            produced.clear();
            produced.addAll(c.events());
            return c.status();
        });
        produced.forEach(events::record);
    }

    private StatusComposer.Composed compose(PodUid uid, StoredObject<Pod, PodStatus> o) {
        PodState state = loop.state(uid).orElse(null);
        Map<PodUid, PodStatus> unread = unreadStatuses;
        if (unread != null) {
            PodStatus last = o.status() != null ? o.status() : unread.get(uid);
            if (last != null) {
                return composer.composeUnread(o.spec(), state, records.actuated(uid), last);
            }
        }
        PodRuntimeView runtime = engine.view(uid).orElse(null);
        return composer.compose(o.spec(), state, runtime, o.status());
    }

    private final class Listener implements RuntimeListener {
        @Override
        public void changed(PodUid podUid) {
            publisher.kick(podUid);
        }

        @Override
        public void resizeCompleted(PodUid podUid, long generation) {
            // the pass's result, handed to the loop just before, retries deferred resizes (ReconcileLoop.recordPass);
            // the engine tells changed() right after, which publishes the status
        }

        @Override
        public void removed(PodUid podUid) {
            teardownDone(podUid);
        }

        @Override
        public void restarting(PodUid podUid, String container) {
            ObjectKey key = keysByUid.get(podUid);
            if (key != null) {
                events.record(new ResizeEvent(0, key.namespace(), key.name(), podUid, ResizeEvent.Type.KILLING,
                        dev.resizelet.core.status.ResizeEventMessages.restartRequired(container), clock.instant()));
            }
        }
    }

    private PodView view(StoredObject<Pod, PodStatus> o) {
        // a pod restored at start has no status until the publisher reaches it: composed here from the loop's and the
        // runtime's views, so a reader right after a restart already sees allocatedResources
        PodStatus status = o.status() != null ? o.status() : compose(o.spec().uid(), o).status();
        StoredObject.Deletion d = o.deletion();
        return new PodView(o.spec(), status, o.resourceVersion(), o.generation(), o.creationTimestamp(),
                d == null ? null : d.timestamp(), d == null ? null : d.gracePeriodSeconds());
    }

    private PodEvent toPodEvent(StoreEvent<Pod, PodStatus> e) {
        PodEvent.Type type = switch (e.type()) {
            case ADDED -> PodEvent.Type.ADDED;
            case MODIFIED -> PodEvent.Type.MODIFIED;
            case DELETED -> PodEvent.Type.DELETED;
        };
        return new PodEvent(type, view(e.object()));
    }

    private static NotFoundException notFound(String name) {
        return new NotFoundException("pods \"" + name + "\" not found");
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    private static java.util.concurrent.ThreadFactory threads(String nameFormat) {
        return new ThreadFactoryBuilder().setNameFormat(nameFormat).setDaemon(true).build();
    }

    /** The engine's window on the loop's records: committed actuated values in, pass results back. */
    private final class LoopRecords implements ActuationRecords {
        @Override
        public Map<String, ResourceValues> actuated(PodUid podUid) {
            PodResources r = loop.state(podUid).map(PodState::actuated).orElse(null);
            if (r == null) {
                return Map.of();
            }
            Map<String, ResourceValues> out = new HashMap<>();
            r.containers().forEach((name, req) -> out.put(name, ModelTargets.values(req)));
            ResourceValues podLevel = ModelTargets.podLevel(r);
            if (podLevel != null) {
                out.put(PodTarget.POD_LEVEL, podLevel);
            }
            return out;
        }

        @Override
        public CompletableFuture<Void> record(PodUid uid, Map<String, ResourceValues> actuated, String error) {
            long generation = loop.allocated(uid).map(PodResources::generation).orElse(0L);
            Map<String, ResourceRequirements> containers = new HashMap<>();
            actuated.forEach((name, v) -> containers.put(name, StatusComposer.requirements(v)));
            ResourceRequirements pod = containers.remove(PodTarget.POD_LEVEL); // pod-level values, if the pod has them
            return loop.recordPass(uid, new PodResources(uid, generation, containers, pod), error);
        }
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
        private Backoff crashLoopBackoff = dev.resizelet.core.runtime.StartPlanner.KUBELET_CRASH_LOOP;

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
