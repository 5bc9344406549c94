package dev.resizelet.core;

import static dev.resizelet.core.AgentFutures.background;
import static dev.resizelet.core.AgentFutures.join;

import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.core.admission.NodeAllocatable;
import dev.resizelet.core.admission.PodState;
import dev.resizelet.core.admission.ReconcileLoop;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.runtime.ModelTargets;
import dev.resizelet.core.runtime.OrphanSweep;
import dev.resizelet.core.runtime.PodLifecycle;
import dev.resizelet.core.runtime.PodSpec;
import dev.resizelet.core.runtime.PodTarget;
import dev.resizelet.core.runtime.RuntimeEngine;
import dev.resizelet.core.runtime.RuntimeListing;
import dev.resizelet.core.store.ObjectKey;
import dev.resizelet.core.store.StoredObject;
import dev.resizelet.cri.CriException;
import dev.resizelet.cri.CriRuntime;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start, once the agent is wired on the {@link StartState} it read: every stored pod re-admitted, the pods the
 * runtime kept adopted, every restored pod's first status published, and the runtime read (each restored pod's first
 * pass, acknowledged deletions resumed, the engine calls held meanwhile released, the relist and the orphan sweep
 * started). After a crash the runtime is read before ready. After a clean stop that left every stored pod's status,
 * those statuses are served at ready and the runtime is read after it, on {@code resizelet-start-adopt}; a close
 * meanwhile stops that read before it starts anything and waits for it a while ({@link #close}).
 */
final class AgentStart {
    /** Logs as the agent: its lines are known by that logger. */
    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

    private final StartState state;
    private final ReconcileLoop loop;
    private final RuntimeEngine engine;
    private final PodStatuses statuses;
    private final HeldEngineCalls engineCalls;
    private final Map<PodUid, ObjectKey> keysByUid;
    private final Set<PodUid> terminating;
    private final CriRuntime cri;
    private final CgroupManager cgroups;
    private final Clock clock;
    /** The start served the statuses a clean stop left, and read the runtime after ready. */
    private boolean statusesKept;
    /** That read, on its own thread (null when the start read the runtime before ready). */
    private CompletableFuture<?> adopting;
    private volatile boolean closed;

    AgentStart(StartState state, ReconcileLoop loop, RuntimeEngine engine, PodStatuses statuses,
            HeldEngineCalls engineCalls, Map<PodUid, ObjectKey> keysByUid, Set<PodUid> terminating, CriRuntime cri,
            CgroupManager cgroups, Clock clock) {
        this.state = state;
        this.loop = loop;
        this.engine = engine;
        this.statuses = statuses;
        this.engineCalls = engineCalls;
        this.keysByUid = keysByUid;
        this.terminating = terminating;
        this.cri = cri;
        this.cgroups = cgroups;
        this.clock = clock;
    }

    /**
     * Runs the start up to ready ({@code becomeReady}, then the ready line with the start's timings); after a clean
     * stop, the runtime's read goes on on its own thread.
     */
    void run(Duration relistInterval, NodeAllocatable allocatable, Runnable becomeReady) {
        long t0 = state.t0();
        // restart: every stored pod is re-admitted from the resize record before any pending resize
        List<StoredObject<Pod, PodStatus>> stored = state.store().list(null);
        stored.forEach(o -> keysByUid.put(o.spec().uid(), o.key()));
        stored.stream().filter(StoredObject::terminating).forEach(o -> terminating.add(o.spec().uid()));
        // a clean stop left every stored pod's status: served at ready, the runtime read after it (the apiserver
        // keeps a pod's status while its kubelet restarts); else (a crash) ready waits for the runtime
        Map<PodUid, PodStatus> lastStatuses = state.lastStatuses();
        statusesKept = !stored.isEmpty() && stored.stream().allMatch(o -> lastStatuses.containsKey(o.spec().uid()));
        if (statusesKept) {
            statuses.serveUnread(lastStatuses);
        } else if (!lastStatuses.isEmpty()) {
            log.info("status snapshot does not hold every stored pod, the start waits for the runtime pods={} "
                    + "statuses={}", stored.size(), lastStatuses.size());
        }
        CompletableFuture<?> restoring = loop.restore(stored.stream().map(StoredObject::spec).toList());
        // while the owner re-admits every pod: the adoption takes over the pods that hold an allocation (the runtime
        // can run no other), found by what a resize never changes (uid, containers, QoS tier)
        Set<PodUid> allocatedAtStart = state.journal().opened().allocated().keySet();
        Supplier<List<PodSpec>> toAdopt = () -> stored.parallelStream()
                .filter(o -> allocatedAtStart.contains(o.spec().uid())).map(o -> ModelTargets.spec(o.spec())).toList();
        if (!statusesKept) {
            adoptRunning(toAdopt.get(), listedOrNull(state.listing().get()));
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
                statuses.publish(o.spec().uid());
            } catch (RuntimeException e) {
                log.warn("restored pod's status not published at start, left to the publisher uid={} error=\"{}\"",
                        o.uid(), e.toString());
                statuses.kick(o.spec().uid());
            }
        });
        long tPublished = System.nanoTime();
        if (statusesKept) {
            adopting = background("resizelet-start-adopt", () -> {
                try {
                    RuntimeListing listed = closed ? null : listedOrNull(state.listing().get());
                    if (!closed) { // a close that gave up waiting for the listing: nothing is adopted into it
                        adoptRunning(toAdopt.get(), listed);
                    }
                } catch (RuntimeException | Error e) {
                    // a pod not adopted looks itself up in the runtime at its first pass (RuntimeEngine.remove too)
                    log.error("start: node-wide adoption failed, each pod looks itself up", e);
                } finally {
                    // whatever failed before: the held engine calls are released here
                    try {
                        runtimeRead(stored, relistInterval);
                    } catch (RuntimeException | Error e) {
                        // after ready nobody waits for this thread: said now, not at the close
                        log.error("start: the runtime read after ready failed", e);
                        throw e;
                    }
                }
                log.info("runtime read after ready pods={} ms={}", stored.size(), (System.nanoTime() - t0) / 1_000_000);
                return null;
            });
        } else {
            runtimeRead(stored, relistInterval);
        }
        becomeReady.run();
        log.info("node agent ready pods={} allocatable={} stateDir={} statusesKept={} podStoreMs={} journalMs={} "
                + "adoptMs={} restoreMs={} statusMs={} totalMs={}", stored.size(), allocatable, state.stateDir(),
                statusesKept, (state.tStore() - t0) / 1_000_000, (state.tJournal() - state.tStore()) / 1_000_000,
                (tAdopt - state.tJournal()) / 1_000_000, (tRestore - tAdopt) / 1_000_000,
                (tPublished - tRestore) / 1_000_000, (System.nanoTime() - t0) / 1_000_000);
    }

    /** True when this start served the statuses a clean stop left and read the runtime after ready. */
    boolean statusesKept() {
        return statusesKept;
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
    private void runtimeRead(List<StoredObject<Pod, PodStatus>> stored, Duration relistInterval) {
        try {
            if (statuses.stopServingUnread()) {
                stored.forEach(o -> statuses.kick(o.spec().uid()));
            }
            engineCalls.release(() -> {
                if (!closed) {
                    submitRestored(stored);
                    resumeTeardowns(stored);
                }
            }, () -> closed);
        } finally {
            engineCalls.stopHolding(); // never left holding calls, whatever failed above
        }
        if (closed) {
            return;
        }
        engine.start(relistInterval);
        // what a crash left of pods that are no longer stored is removed in the background, as the kubelet's
        // housekeeping does: it belongs to no stored pod, so nothing the agent adopts or starts waits for it (at
        // 10,000 pods the walk of every pod cgroup took a tenth of the restart's CPU)
        CompletableFuture<RuntimeListing> listed = state.listing().get();
        background("resizelet-start-sweep", () -> {
            sweepOrphans(stored, listed);
            return null;
        });
    }

    /**
     * The restored pods' first passes. A failure is logged and the start goes on (the engine calls held meanwhile still
     * run): a pod without its first pass is synced at its next change or the relist's.
     */
    private void submitRestored(List<StoredObject<Pod, PodStatus>> stored) {
        try {
            engine.submitRestored(restoredTargets(stored));
        } catch (RuntimeException e) {
            log.error("start: the restored pods' first passes were not queued", e);
        }
    }

    /** Each restored pod's first pass: its allocation now, the target built where the pass needs it. */
    private Map<PodUid, Supplier<PodTarget>> restoredTargets(List<StoredObject<Pod, PodStatus>> stored) {
        Map<PodUid, Supplier<PodTarget>> targets = new LinkedHashMap<>();
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
                try {
                    engine.remove(o.spec().uid(), o.deletion().timestamp());
                } catch (RuntimeException e) {
                    // the others still resume; this one resumes at the next start
                    log.error("start: the teardown of pod={} uid={} did not resume", o.key(), o.uid(), e);
                }
            }
        }
    }

    /**
     * After the start: what a crash left of pods that are no longer stored (a force delete whose teardown did not
     * finish, a pod removed from the store just before the crash) is removed, only what the agent made. The start's
     * listing holds nothing created since; the pod cgroups are walked now, so every pod known once the walk is done
     * counts as stored too (a pod is known before anything of it is created). A runtime that cannot be listed now
     * only delays this to the next start.
     */
    private void sweepOrphans(List<StoredObject<Pod, PodStatus>> stored, CompletableFuture<RuntimeListing> listing) {
        if (closed) {
            return; // a new agent may run on this runtime now: what it made is no orphan of ours
        }
        try {
            List<OrphanSweep.PodCgroupDir> podCgroups = OrphanSweep.podCgroupDirs(cgroups);
            Set<PodUid> uids = new HashSet<>(keysByUid.keySet());
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

    /**
     * The agent closes. A close during the start's read of the runtime (after ready) waits for it a while: it then
     * stops before it starts anything (the {@code closed} checks), and nothing of it runs on once the engine is closed.
     */
    void close() {
        closed = true;
        if (adopting == null) {
            return;
        }
        try {
            adopting.get(10, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            log.warn("closing while the start still reads the runtime (its listing did not answer in 10 s)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            log.warn("the start's read of the runtime failed error=\"{}\"", e.getCause().toString());
        }
    }
}
