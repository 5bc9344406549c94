package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import com.google.common.base.Suppliers;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.core.api.AgentMetrics;
import dev.resizelet.core.enact.ActuationListener;
import dev.resizelet.core.enact.ActuationRecords;
import dev.resizelet.core.enact.Backoff;
import dev.resizelet.core.enact.ContainerEnactment;
import dev.resizelet.core.enact.EnactStep;
import dev.resizelet.core.enact.EnactmentExecutor;
import dev.resizelet.core.enact.EnactmentPlanner;
import dev.resizelet.core.enact.PassOutcome;
import dev.resizelet.core.enact.PodEnactment;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.cri.CriException;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.listing.ListedContainer;
import dev.resizelet.cri.v1.ContainerStatusResponse;
import dev.resizelet.cri.v1.ListContainersRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime side of the agent: runs pods, enacts allocated resources in the safe order and reads back what
 * the runtime reports. Work for each pod runs in its own lane on the {@code workers} executor (never on the
 * allocation loop's thread), one task per pod at a time; failures are retried with exponential backoff on the
 * {@code scheduler}. A periodic relist and the runtime's event stream refresh status between resizes.
 */
public final class RuntimeEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RuntimeEngine.class);
    /**
     * Restored pods' first passes in flight at once: enough to keep the runtime's answers overlapping, few enough that
     * the API's readers and new resizes keep their share of the cores (16 workers took them all for 10,000 pods).
     */
    static final int RESTORED_PASSES_AT_ONCE = 4;

    private final CriRuntime cri;
    private final CgroupManager cgroups;
    private final ActuationRecords records;
    private final ExecutorService workers;
    private final ScheduledExecutorService scheduler;
    private final Backoff backoff;
    private final RuntimeListener listener;
    private final PodLifecycle lifecycle;
    private final StatusReader statusReader;
    private final Clock clock;
    private final EnactmentExecutor executor;
    private final Map<PodUid, PodLane> lanes = new ConcurrentHashMap<>();
    /** Container id to pod uid, for the event stream: an event finds its pod without a scan. */
    private final Map<String, PodUid> podByContainerId = new ConcurrentHashMap<>();
    private final RuntimeEvents events;
    /** The last relist failed: the next that succeeds means the runtime is reachable again. */
    private final AtomicBoolean relistFailing = new AtomicBoolean();
    private final LongAdder passes = new LongAdder();
    private final LongAdder failedPasses = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final AtomicLong podChanges = new AtomicLong();   // counts setPod calls (see relistAll)
    private final RestoredPasses<PodLane> restored;
    private volatile boolean closed;
    /**
     * Set by {@link #adoptRunning}: every pod stored before this start was looked for in the runtime, so a pod first
     * seen later was created during this run and cannot have a sandbox from an earlier one (no per-pod search).
     */
    private volatile boolean adoptedAtStart;

    public RuntimeEngine(CriRuntime cri, CgroupManager cgroups, ActuationRecords records, ExecutorService workers,
            ScheduledExecutorService scheduler, Backoff backoff, RuntimeListener listener) {
        this(cri, cgroups, records, workers, scheduler, backoff, listener, Clock.systemUTC(),
                StartPlanner.KUBELET_CRASH_LOOP);
    }

    /** As above, with the clock that grace periods of deletions and crash-loop back-offs are measured against. */
    public RuntimeEngine(CriRuntime cri, CgroupManager cgroups, ActuationRecords records, ExecutorService workers,
            ScheduledExecutorService scheduler, Backoff backoff, RuntimeListener listener, Clock clock) {
        this(cri, cgroups, records, workers, scheduler, backoff, listener, clock, StartPlanner.KUBELET_CRASH_LOOP);
    }

    /**
     * @param clock the time crash-loop back-offs and deletion grace periods are measured in (the {@code scheduler} waits them out)
     * @param crashLoop the back-off before an exited container is started again (the kubelet's: 10 s to 5 min)
     */
    public RuntimeEngine(CriRuntime cri, CgroupManager cgroups, ActuationRecords records, ExecutorService workers,
            ScheduledExecutorService scheduler, Backoff backoff, RuntimeListener listener, Clock clock,
            Backoff crashLoop) {
        this.cri = requireNonNull(cri, "cri");
        this.cgroups = requireNonNull(cgroups, "cgroups");
        this.records = requireNonNull(records, "records");
        this.workers = requireNonNull(workers, "workers");
        this.scheduler = requireNonNull(scheduler, "scheduler");
        this.backoff = requireNonNull(backoff, "backoff");
        this.listener = requireNonNull(listener, "listener");
        this.clock = requireNonNull(clock, "clock");
        this.statusReader = new StatusReader(cri, cgroups);
        this.lifecycle = new PodLifecycle(cri, cgroups, statusReader, clock, crashLoop);
        this.executor = new EnactmentExecutor(cgroups);
        // RuntimeEvents hands each container id over on the scheduler, never on the gRPC thread
        this.events = new RuntimeEvents(cri, scheduler, this::refreshByContainerId);
        this.restored = new RestoredPasses<>(RESTORED_PASSES_AT_ONCE, this::startRestoredPass);
    }

    /** Starts the periodic relist and the container event stream. */
    public void start(Duration relistInterval) {
        long ms = Math.max(1, relistInterval.toMillis());
        scheduler.scheduleWithFixedDelay(this::relistAll, ms, ms, TimeUnit.MILLISECONDS);
        events.subscribe();
    }

    /** Runs the pod (first time) or enacts the target's allocated values; a newer target replaces a queued one. */
    public void submit(PodTarget target) {
        submit(target.spec().uid(), () -> target);
    }

    /**
     * As {@link #submit(PodTarget)}, with the target built once where it is first needed (the pod's pass, or a
     * status read of the pod), not on the caller's thread: the allocation owner hands a decision over without building
     * what the runtime runs.
     */
    public void submit(PodUid podUid, Supplier<PodTarget> target) {
        PodLane lane = lanes.computeIfAbsent(podUid, this::newLane);
        Supplier<PodTarget> once = Suppliers.memoize(target::get);
        synchronized (lane) {
            lane.target = once;
            lane.wantSync = true;
            lane.restoredPassOwed = false; // this pass is the one it owed
            if (lane.retry != null) {
                lane.retry.cancel(false);
                lane.retry = null;
            }
        }
        kick(lane);
    }

    /**
     * After an agent restart: finds the pods the runtime still runs with one node-wide listing (instead of a
     * search per pod), so that their first pass adopts them and nothing is created twice. Call before submit.
     */
    public void adoptRunning(List<PodSpec> pods) {
        adoptRunning(pods, null);
    }

    /** As {@link #adoptRunning(List)}, from a listing read at start ({@code null}: list now). */
    public void adoptRunning(List<PodSpec> pods, RuntimeListing listing) {
        if (pods.isEmpty()) {
            adoptedAtStart = true; // nothing was stored: the runtime holds nothing of ours to adopt
            return;
        }
        Map<PodUid, RunningPod> found = listing == null ? lifecycle.adoptAll(pods) : lifecycle.adoptAll(pods, listing);
        for (PodSpec spec : pods) {
            PodLane lane = lanes.computeIfAbsent(spec.uid(), PodLane::new);
            setPod(lane, found.get(spec.uid()));
            lane.adoptionChecked = true;
        }
        adoptedAtStart = true;
    }

    /**
     * After a restart: every restored pod's first pass (adopted pods are checked against their record and read back
     * from the runtime), {@link #RESTORED_PASSES_AT_ONCE} at a time in the background ({@link RestoredPasses}). A
     * {@link #submit} for one of them meanwhile runs its pass at once. Each target is built once, where it is first
     * needed (the pod's pass, or a status read), not before the agent is ready.
     */
    public void submitRestored(Map<PodUid, Supplier<PodTarget>> targets) {
        List<PodLane> owed = new java.util.ArrayList<>(targets.size());
        targets.forEach((uid, target) -> {
            PodLane lane = lanes.computeIfAbsent(uid, this::newLane);
            Supplier<PodTarget> once = Suppliers.memoize(target::get);
            synchronized (lane) {
                lane.target = once;
                lane.restoredPassOwed = true;
            }
            owed.add(lane);
        });
        restored.enqueue(owed);
    }

    private boolean startRestoredPass(PodLane lane) {
        synchronized (lane) {
            if (!lane.restoredPassOwed || lane.deleted || closed) {
                return false;
            }
            lane.restoredPassOwed = false;
            lane.restoredPass = true;
            lane.wantSync = true;
        }
        kick(lane);
        return true;
    }

    private PodLane newLane(PodUid uid) {
        PodLane lane = new PodLane(uid);
        lane.adoptionChecked = adoptedAtStart;
        return lane;
    }

    /** Stops the pod's containers with the least grace period and removes everything (a force delete). */
    public void remove(PodUid podUid) {
        remove(podUid, clock.instant());
    }

    /**
     * Tears the pod down: its containers are stopped with the grace period left until {@code deadline} (the pod's
     * {@code deletionTimestamp}), then containers, sandbox and pod cgroup are removed; {@link RuntimeListener#removed}
     * when done. A failed teardown is retried with backoff. A later call may only bring the deadline forward. A pod the
     * engine does not run yet (after a restart) is looked up in the runtime by its uid.
     */
    public void remove(PodUid podUid, java.time.Instant deadline) {
        requireNonNull(deadline, "deadline");
        PodLane lane = lanes.computeIfAbsent(podUid, PodLane::new);
        synchronized (lane) {
            lane.deleted = true;
            lane.deadline = lane.deadline == null || deadline.isBefore(lane.deadline) ? deadline : lane.deadline;
            lane.wantSync = true;
            if (lane.retry != null) {
                lane.retry.cancel(false);
                lane.retry = null;
            }
            if (lane.startRetry != null) {
                lane.startRetry.cancel(false);
                lane.startRetry = null;
            }
        }
        kick(lane);
    }

    public Optional<PodRuntimeView> view(PodUid podUid) {
        PodLane lane = lanes.get(podUid);
        if (lane == null) {
            return Optional.empty();
        }
        Supplier<PodTarget> submitted;
        synchronized (lane) {
            submitted = lane.target;
        }
        PodTarget target = submitted == null ? null : submitted.get();
        Map<String, ResourceValues> act = actuatedNow(lane);
        boolean resizing = target != null && !act.equals(target.allocated());
        return Optional.of(new PodRuntimeView(lane.pod, lane.appliedGeneration, act, resizing, lane.lastError));
    }

    public AgentMetrics metrics() {
        return new AgentMetrics(passes.sum(), failedPasses.sum(), completed.sum(), statusReader.legacyFallbacks());
    }

    public long legacyStatusFallbacks() {
        return statusReader.legacyFallbacks();
    }

    public long enactmentPasses() {
        return passes.sum();
    }

    public long failedEnactmentPasses() {
        return failedPasses.sum();
    }

    public long completedResizes() {
        return completed.sum();
    }

    /**
     * The relist (kubelet's PLEG): one node-wide ListContainers; only pods whose containers changed in the runtime
     * (another id or state: a restart behind the agent's back) are re-read with ContainerStatus. Like the kubelet,
     * a value changed behind the agent's back without a new container is seen at the next status read, not here.
     */
    public void relistAll() {
        // the runtime answers with what it held when it got the call: a pod the agent changed after this cannot be
        // judged by the answer (its containers started after the listing was made, say), and waits for the next relist
        long listedAfter = podChanges.get();
        Map<String, List<ListedContainer>> bySandbox;
        try {
            // read without labels and annotations: a relist compares ids and states only
            bySandbox = cri.listContainerStates(ListContainersRequest.getDefaultInstance()).getContainersList().stream()
                    .collect(Collectors.groupingBy(ListedContainer::getPodSandboxId));
        } catch (CriException e) {
            relistFailed(e.getMessage());
            return;
        } catch (RuntimeException e) {
            relistFailed(e.toString());
            return;
        }
        if (relistFailing.getAndSet(false)) {
            // the runtime answers again (restarted, reconnected): the event stream need not wait out its backoff
            log.info("relist succeeded again, the runtime is back");
            try {
                events.resubscribeNow();
            } catch (RuntimeException e) {
                // never let it end the periodic relist (an exception would cancel its schedule)
                log.warn("could not ask for the container event stream again error=\"{}\"", e.toString());
            }
        }
        for (PodLane lane : lanes.values()) {
            RunningPod p = lane.pod;
            if (p == null || lane.podChangedAt > listedAfter) {
                continue;
            }
            String change = changeInRuntime(p, bySandbox.getOrDefault(p.sandboxId(), List.of()));
            if (change == null) {
                continue;
            }
            log.debug("relist: pod changed in the runtime, re-read pod={} {}", lane.uid, change);
            synchronized (lane) {
                lane.wantRefresh = true;
            }
            kick(lane);
        }
    }

    /** One WARN when relisting starts failing (the runtime down or restarting), DEBUG while it goes on failing. */
    private void relistFailed(String error) {
        if (relistFailing.compareAndSet(false, true)) {
            log.warn("relist failed, retrying every relist period error=\"{}\"", error);
        } else {
            log.debug("relist failed again error=\"{}\"", error);
        }
    }

    /**
     * What the runtime lists differently for a container of the pod (another id or state than the agent knows), for
     * the log; null if nothing.
     */
    private static String changeInRuntime(RunningPod pod, List<ListedContainer> listed) {
        Map<String, ListedContainer> newest = new HashMap<>();
        for (ListedContainer c : listed) {
            newest.merge(c.getMetadata().getName(), c, (a, b) -> a.getCreatedAt() >= b.getCreatedAt() ? a : b);
        }
        for (RunningContainer known : pod.containers()) {
            ListedContainer c = newest.get(known.name());
            if (c == null ? !known.containerId().isEmpty()
                    : !c.getId().equals(known.containerId()) || !c.getState().name().equals(known.state())) {
                return "container=" + known.name() + " known=" + known.containerId() + "/" + known.state() + " listed="
                        + (c == null ? "none" : c.getId() + "/" + c.getState().name());
            }
        }
        return null;
    }

    /**
     * A runtime event about a container: its pod is re-read. An id no pod knows yet (a container the agent is starting,
     * or one the runtime started behind its back) is left to the next relist rather than relisting the node per event.
     */
    private void refreshByContainerId(String containerId) {
        PodUid uid = podByContainerId.get(containerId);
        PodLane lane = uid == null ? null : lanes.get(uid);
        if (lane == null || lane.pod == null) {
            return;
        }
        synchronized (lane) {
            lane.wantRefresh = true;
        }
        kick(lane);
    }

    /** The lane's running pod changes: the container index follows. */
    private void setPod(PodLane lane, RunningPod next) {
        RunningPod before = lane.pod;
        if (before != null) {
            for (RunningContainer c : before.containers()) {
                if (!c.containerId().isEmpty() && (next == null || !next.containerId(c.name()).equals(c.containerId()))) {
                    podByContainerId.remove(c.containerId(), lane.uid);
                }
            }
        }
        if (next != null) {
            for (RunningContainer c : next.containers()) {
                if (!c.containerId().isEmpty()) {
                    podByContainerId.put(c.containerId(), lane.uid);
                }
            }
        }
        lane.podChangedAt = podChanges.incrementAndGet();   // before the pod: a reader of the new pod sees its stamp
        lane.pod = next;
    }

    private void kick(PodLane lane) {
        synchronized (lane) {
            if (lane.running || lane.queued || closed) {
                return;
            }
            lane.queued = true;
        }
        workers.execute(() -> run(lane));
    }

    private void run(PodLane lane) {
        boolean deleted;
        boolean sync;
        boolean refresh;
        boolean restoredPass;
        Supplier<PodTarget> submitted;
        synchronized (lane) {
            lane.queued = false;
            lane.running = true;
            restoredPass = lane.restoredPass;
            lane.restoredPass = false;
            submitted = lane.target;
            deleted = lane.deleted;
            sync = lane.wantSync;
            refresh = lane.wantRefresh;
            lane.wantSync = false;
            lane.wantRefresh = false;
        }
        boolean failed = false;
        try {
            PodTarget target = submitted == null ? null : submitted.get();
            if (deleted) {
                teardown(lane);
            } else if (sync) {
                failed = !sync(lane, target);
                if (restoredPass && !failed && lane.pod != null) {
                    readBack(lane, target);
                }
            } else if (refresh) {
                refresh(lane, target);
            }
        } catch (RuntimeException e) {
            failed = true;
            if (closed) {
                // the engine is closing: its workers are interrupted mid-call, which is no failure of the pod's
                log.debug("pod worker stopped by close pod={} error=\"{}\"", lane.uid, e.getMessage());
            } else {
                log.error("pod worker failed pod={} error=\"{}\"", lane.uid, e.getMessage(), e);
                lane.lastError = e.getMessage();
                listener.changed(lane.uid);
            }
        } finally {
            synchronized (lane) {
                lane.running = false;
                if (failed && !closed) { // a teardown is retried too: nothing may be left behind
                    lane.failures++;
                    Duration d = backoff.delay(lane.failures);
                    lane.retry = scheduler.schedule(() -> retry(lane), d.toMillis(), TimeUnit.MILLISECONDS);
                } else if (!failed) {
                    lane.failures = 0;
                }
            }
        }
        boolean again;
        synchronized (lane) {
            again = lane.retry == null && (lane.wantSync || lane.wantRefresh);
        }
        if (again) {
            kick(lane);
        }
        if (restoredPass) {
            restored.passEnded();
        }
    }

    private void retry(PodLane lane) {
        synchronized (lane) {
            lane.retry = null;
            lane.wantSync = true;
        }
        kick(lane);
    }

    private void teardown(PodLane lane) {
        java.time.Instant deadline;
        synchronized (lane) {
            deadline = lane.deadline;
        }
        lifecycle.teardown(lane.uid, lane.pod, OrphanSweep.podCgroups(cgroups, lane.uid), deadline);
        setPod(lane, null);
        lanes.remove(lane.uid, lane);
        listener.removed(lane.uid);
    }

    /**
     * One level-triggered pass; false when it failed and must be retried. The pass starts from the actuated values
     * the allocation loop committed, works on its own copy, and hands the result back to the loop at the end (and
     * waits until it is durable): the loop is the only keeper of the record.
     */
    private boolean sync(PodLane lane, PodTarget target) {
        if (lane.pod == null) {
            Optional<RunningPod> adopted = lane.adoptionChecked ? Optional.empty() : lifecycle.adopt(target.spec());
            lane.adoptionChecked = true;
            if (adopted.isPresent()) {
                // restarted agent: the runtime kept the pod; enact whatever the record says is missing
                setPod(lane, adopted.get());
                return sync(lane, target);
            }
            PodLifecycle.Progress started = lifecycle.start(target.spec(), target.allocated());
            setPod(lane, started.pod());
            lane.appliedGeneration = target.generation();
            // containers the start order has not created yet will be created with the allocated values
            handOff(lane, target.allocated(), null);
            lane.lastError = null;
            scheduleStartRetry(lane, started.retryAt());
            readBack(lane, target);
            // the start changed the pod whatever the read back found (sandbox, containers created, an init container
            // failed): its status is composed now, not when the loop has recorded the values (it tells no status)
            listener.changed(lane.uid);
            if (startPathHasWork(StartPlanner.next(target.spec(), lane.pod, clock.instant(), lifecycle.crashLoop()))) {
                synchronized (lane) {
                    lane.wantSync = true; // an app container exited at once and restarts
                }
            }
            return true;
        }
        advanceStart(lane, target);
        PodEnactment input = enactmentInput(lane, target);
        List<EnactStep> plan = EnactmentPlanner.plan(input);
        if (plan.isEmpty()) {
            lane.appliedGeneration = target.generation();
            Map<String, ResourceValues> settled = withUnstarted(lane, target);
            if (lane.lastError != null || !settled.equals(actuatedNow(lane))) {
                lane.lastError = null;
                handOff(lane, settled, null);
            }
            finish(lane, target, actuatedNow(lane));
            return true;
        }
        passes.increment();
        lane.pendingCompletion = true;
        log.debug("resize pass pod={} generation={} steps={}", lane.uid, target.generation(), plan.size());
        CriPodOps ops = new CriPodOps(cri, lifecycle, target.spec(), lane.pod.sandboxId(),
                name -> lane.pod.container(name).map(c -> c.restartCount() + 1).orElse(1), lane.sandboxCall);
        Recorder recorder = new Recorder(lane, input, target);
        PassOutcome outcome;
        try {
            outcome = executor.execute(input, plan, ops, recorder);
        } finally {
            recorder.applyReads();
        }
        String error = outcome instanceof PassOutcome.Failed f ? f.message() : null;
        if (error == null) {
            recorder.podLevelApplied(target); // the pod cgroup holds the pod-level values now
        }
        // what was accepted before a failure is kept too
        handOff(lane, recorder.working, error);
        if (error != null) {
            failedPasses.increment();
            lane.lastError = error;
            listener.resizeFailed(lane.uid, error);
            listener.changed(lane.uid);
            return false;
        }
        lane.lastError = null;
        lane.appliedGeneration = target.generation();
        finish(lane, target, recorder.working);
        return true;
    }

    /**
     * Hands the pass's result to the record's owner without waiting for it to be durable: a crash before it is only
     * makes the next start re-apply the same values (updates are idempotent; durable state may under-claim, never
     * over-claim). Until the owner has committed them, the next pass starts from these values. If they cannot be made
     * durable the owner keeps the old ones and the pod is synced again, re-applying.
     */
    private void handOff(PodLane lane, Map<String, ResourceValues> actuatedNow, String error) {
        Map<String, ResourceValues> values = Map.copyOf(actuatedNow);
        lane.inFlight = values;
        records.record(lane.uid, values, error).whenComplete((ok, failure) -> {
            // on the owner's thread: field writes and a kick only
            if (failure == null) {
                if (lane.inFlight == values) {
                    lane.inFlight = null;
                }
                return;
            }
            log.warn("actuated values not durable, the pod will be synced again pod={} error=\"{}\"", lane.uid,
                    failure.getMessage());
            if (lane.inFlight == values) {
                lane.inFlight = null;
            }
            synchronized (lane) {
                lane.wantSync = true;
            }
            kick(lane);
        });
    }

    /** What the runtime holds as far as the engine knows: the values in flight to the owner, else the committed ones. */
    private Map<String, ResourceValues> actuatedNow(PodLane lane) {
        Map<String, ResourceValues> inFlight = lane.inFlight;
        return inFlight != null ? inFlight : records.actuated(lane.uid);
    }

    /** Hands the pass's result to the record's owner and waits until it is durable; false if it could not be. */
    private boolean commit(PodLane lane, Map<String, ResourceValues> actuatedNow, String error) {
        try {
            records.record(lane.uid, actuatedNow == null ? records.actuated(lane.uid) : actuatedNow, error).join();
            return true;
        } catch (CompletionException | CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            log.warn("actuated values not durable, the pass will be retried pod={} error=\"{}\"", lane.uid,
                    cause.getMessage());
            lane.lastError = "cannot record the applied resources: " + cause.getMessage();
            return false;
        }
    }

    /** After a successful pass: a resize whose values all reached the runtime is complete. */
    private void finish(PodLane lane, PodTarget target, Map<String, ResourceValues> actuatedNow) {
        if (lane.pendingCompletion && actuatedNow.equals(target.allocated())) {
            lane.pendingCompletion = false;
            completed.increment();
            log.debug("resize completed pod={} generation={}", lane.uid, target.generation());
            listener.resizeCompleted(lane.uid, target.generation());
        }
        listener.changed(lane.uid);
    }

    /**
     * The start path of an existing pod: the next init container, sidecar or app container the start order allows,
     * restarts of exited ones; the values of the containers it created are handed to the record's owner.
     */
    private void advanceStart(PodLane lane, PodTarget target) {
        PodLifecycle.Progress p = lifecycle.advance(target.spec(), lane.pod, target.allocated());
        if (p.pod().equals(lane.pod)) {
            scheduleStartRetry(lane, p.retryAt());
            return;
        }
        setPod(lane, p.pod());
        if (!p.created().isEmpty()) {
            Map<String, ResourceValues> act = new HashMap<>(actuatedNow(lane));
            act.putAll(p.created());
            handOff(lane, act, lane.lastError);
        }
        scheduleStartRetry(lane, p.retryAt());
        listener.changed(lane.uid);
    }

    /** A container to start now, or an exited one to restart after its back-off (which the next sync schedules). */
    private static boolean startPathHasWork(StartPlanner.Step step) {
        return step instanceof StartPlanner.Start || step instanceof StartPlanner.WaitBackoff
                || step instanceof StartPlanner.Started s && s.nextRestart() != null;
    }

    /** The actuated values with the allocated ones for the containers that are not enacted (not started yet). */
    private Map<String, ResourceValues> withUnstarted(PodLane lane, PodTarget target) {
        Map<String, ResourceValues> act = new HashMap<>(actuatedNow(lane));
        for (ContainerSpec c : target.spec().containers()) {
            if (!enacted(lane.pod, c.name())) {
                act.put(c.name(), target.allocated().get(c.name()));
            }
        }
        ResourceValues podLevel = target.allocated().get(PodTarget.POD_LEVEL);
        if (podLevel != null) {
            act.put(PodTarget.POD_LEVEL, podLevel); // no plan: the pod cgroup holds them already
        }
        return act;
    }

    /** Syncs the pod again when a crash-loop back-off ends (a newer wait replaces an older one). */
    private void scheduleStartRetry(PodLane lane, Instant at) {
        synchronized (lane) {
            if (lane.startRetry != null) {
                lane.startRetry.cancel(false);
                lane.startRetry = null;
            }
            if (at == null || closed) {
                return;
            }
            long ms = Math.max(1, Duration.between(clock.instant(), at).toMillis() + 1);
            lane.startRetry = scheduler.schedule(() -> {
                synchronized (lane) {
                    lane.startRetry = null;
                    lane.wantSync = true;
                }
                kick(lane);
            }, ms, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Only containers the runtime runs (or a resize removed to recreate) are enacted. One the start order has not
     * created yet, or one that exited and waits for its restart, is created with the allocated values when its turn
     * comes: for it, allocated counts as actuated.
     */
    private static boolean enacted(RunningPod pod, String name) {
        return pod.container(name).map(c -> c.containerId().isEmpty() || !c.hasExited()).orElse(false);
    }

    private PodEnactment enactmentInput(PodLane lane, PodTarget target) {
        Map<String, ResourceValues> act = actuatedNow(lane);
        List<ContainerEnactment> containers = new ArrayList<>();
        for (ContainerSpec c : target.spec().containers()) {
            if (!enacted(lane.pod, c.name())) {
                continue;
            }
            ResourceValues allocated = target.allocated().get(c.name());
            containers.add(new ContainerEnactment(c.name(), lane.pod.containerId(c.name()),
                    act.getOrDefault(c.name(), allocated), allocated, target.cpuPolicy(c.name()),
                    target.memoryPolicy(c.name())));
        }
        CgroupResources current = cgroups.read(lane.pod.podCgroup());
        ResourceValues podLevel = target.allocated().get(PodTarget.POD_LEVEL);
        PodEnactment input = new PodEnactment(lane.uid, target.spec().tier(), lane.pod.podCgroup(),
                lane.pod.sandboxId(), current, containers, podLevel);
        CgroupResources unrounded = unroundedMemory(current, input.podTarget());
        return unrounded == current ? input : new PodEnactment(lane.uid, target.spec().tier(), lane.pod.podCgroup(),
                lane.pod.sandboxId(), unrounded, containers, podLevel);
    }

    /**
     * The pod cgroup's current values with a memory limit the kernel rounded down to whole pages read as the
     * target it was written from, so that a limit like 100M (99999744 in the file) is not "raised" on every pass.
     */
    static CgroupResources unroundedMemory(CgroupResources current, CgroupResources target) {
        Long now = current.memoryLimitBytes();
        Long wanted = target.memoryLimitBytes();
        if (now != null && wanted != null && !now.equals(wanted) && now == CgroupManager.kernelMemoryLimit(wanted)) {
            return current.withMemoryLimit(wanted);
        }
        return current;
    }

    /**
     * One ContainerStatus per container not read since the agent knew it: after a start, those it created; after a
     * restart, those it adopted, so that status shows what the runtime answers and not only the record (as the
     * kubelet's first relist after a restart reads every container). Their ids are known: no listing, which a runtime
     * answers by scanning its containers.
     */
    private void readBack(PodLane lane, PodTarget target) {
        RunningPod p = lane.pod;
        RunningPod before = p;
        for (RunningContainer c : p.containers()) {
            if (c.containerId().isEmpty() || c.actual() != null || isInitContainer(target.spec(), c.name())) {
                continue; // init containers were read when they started (the start order needs their state)
            }
            ResourceValues values = target.allocated().get(c.name());
            try {
                p = p.with(statusReader.read(p, c.name(), c.containerId(),
                        values == null ? 0 : values.memoryRequestBytes()));
            } catch (CriException e) {
                if (closed) {
                    return; // interrupted by the close
                }
                log.warn("status read failed pod={} container={} error=\"{}\"", lane.uid, c.name(),
                        e.getMessage());
            }
        }
        if (p != before) {
            setPod(lane, p);
            listener.changed(lane.uid);
        }
    }

    private static boolean isInitContainer(PodSpec spec, String name) {
        for (ContainerSpec c : spec.initContainers()) {
            if (c.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Re-reads the pod (its sandbox's ListContainers, then ContainerStatus of each container): when
     * the node-wide relist or an event says a container changed. A container the runtime replaced behind the agent's
     * back runs with whatever the runtime chose: that is recorded as actuated and the pod re-synced.
     */
    private void refresh(PodLane lane, PodTarget target) {
        RunningPod before = lane.pod;
        if (before == null || target == null) {
            return;
        }
        Map<String, ResourceValues> act = actuatedNow(lane);
        RunningPod after;
        try {
            after = statusReader.relist(before, name -> {
                ResourceValues v = act.getOrDefault(name, target.allocated().get(name));
                v = v != null ? v : target.spec().initResources().get(name); // an init container: its spec's values
                return v == null ? 0 : v.memoryRequestBytes();
            });
        } catch (CriException e) {
            log.warn("relist failed pod={} error=\"{}\"", lane.uid, e.getMessage());
            return;
        }
        setPod(lane, after);
        Map<String, ResourceValues> replaced = new HashMap<>(act);
        for (RunningContainer c : after.containers()) {
            String oldId = before.containerId(c.name());
            if (!oldId.isEmpty() && !c.containerId().equals(oldId) && c.actual() != null
                    && target.allocated().containsKey(c.name())) {
                log.info("container replaced behind the agent's back pod={} container={} old={} new={}",
                        lane.uid, c.name(), oldId, c.containerId());
                replaced.put(c.name(), c.actual());
            }
        }
        if (!replaced.equals(act)) {
            handOff(lane, replaced, null);
            synchronized (lane) {
                lane.wantSync = true;
            }
        } else if (startPathHasWork(StartPlanner.next(target.spec(), after, clock.instant(), lifecycle.crashLoop()))) {
            synchronized (lane) {
                lane.wantSync = true; // an init container completed, or a container exited and restarts now
            }
        }
        listener.changed(lane.uid);
    }

    /** A container's status read in flight: the answer and what converting it needs. */
    private record PendingRead(String container, String containerId, long memoryRequest, RunningPod pod,
            CompletableFuture<ContainerStatusResponse> answer) {
    }

    @Override
    public void close() {
        closed = true;
        events.close();
    }

    /**
     * The pass's working copy of the actuated values: each step the runtime accepted is put here, and the container's
     * status is read at once (one ContainerStatus per updated container; no relist after a pass).
     */
    private final class Recorder implements ActuationListener {
        private final PodLane lane;
        final Map<String, ResourceValues> working = new HashMap<>();
        /**
         * The last status read started during the pass for each container (sent right after its update, answered
         * while the pass goes on with the next step); applied to the lane at the pass's end.
         */
        private final Map<String, PendingRead> reads = new LinkedHashMap<>();
        Recorder(PodLane lane, PodEnactment input, PodTarget target) {
            this.lane = lane;
            working.putAll(target.allocated()); // containers not enacted start with these (see enacted())
            input.containers().forEach(c -> working.put(c.name(), c.actuated()));
            ResourceValues podLevel = actuatedNow(lane).get(PodTarget.POD_LEVEL);
            if (podLevel == null) {
                working.remove(PodTarget.POD_LEVEL);
            } else {
                working.put(PodTarget.POD_LEVEL, podLevel);
            }
        }

        /** The pass completed: the pod-level values it was planned for are applied. */
        void podLevelApplied(PodTarget target) {
            ResourceValues podLevel = target.allocated().get(PodTarget.POD_LEVEL);
            if (podLevel != null) {
                working.put(PodTarget.POD_LEVEL, podLevel);
            }
        }

        @Override
        public void actuated(String container, ResourceValues values) {
            working.put(container, values);
            String id = lane.pod.containerId(container);
            if (!id.isEmpty()) {
                readNow(container, id, values);
            }
        }

        @Override
        public void removed(String container) {
            listener.restarting(lane.uid, container);
            setPod(lane, lane.pod.with(lane.pod.container(container).orElseThrow().removed()));
            listener.changed(lane.uid);
        }

        @Override
        public void beforeRecreate(String container, ResourceValues values) {
            working.put(container, values);
            // durable before the container exists again: a crash now must not restart it a second time
            if (!commit(lane, Map.copyOf(working), null)) {
                throw new IllegalStateException("cannot record the restart of container " + container
                        + " durably; not recreating it yet");
            }
        }

        @Override
        public void recreated(String container, String newContainerId, ResourceValues values) {
            working.put(container, values);
            readNow(container, newContainerId, values);
        }

        private void readNow(String container, String containerId, ResourceValues values) {
            CompletableFuture<ContainerStatusResponse> answer;
            try {
                answer = statusReader.startRead(containerId);
            } catch (RuntimeException e) {
                answer = CompletableFuture.failedFuture(e);
            }
            reads.put(container, new PendingRead(container, containerId, values.memoryRequestBytes(), lane.pod, answer));
        }

        /**
         * On the pass's thread, at its end: each container's last read goes into the lane (a container recreated
         * during the pass was read again under its new id: that read is the one kept).
         */
        void applyReads() {
            if (reads.isEmpty()) {
                return;
            }
            for (PendingRead read : reads.values()) {
                try {
                    setPod(lane, lane.pod.with(statusReader.convert(read.pod(), read.container(), read.containerId(),
                            read.memoryRequest(), read.answer().get())));
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause() == null ? e : e.getCause();
                    log.warn("status read after update failed pod={} container={} error=\"{}\"", lane.uid,
                            read.container(), cause.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // closing: the rest of the reads are not waited for
                    break;
                } catch (RuntimeException e) {
                    log.warn("status read after update failed pod={} container={} error=\"{}\"", lane.uid,
                            read.container(), e.getMessage());
                }
            }
            reads.clear(); // the pass's end tells the listener (finish, or the failure)
        }
    }
}
