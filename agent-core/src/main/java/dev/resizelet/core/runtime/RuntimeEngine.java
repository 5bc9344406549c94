package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.core.api.AgentMetrics;
import dev.resizelet.core.enact.ActuatedStore;
import dev.resizelet.core.enact.ActuationListener;
import dev.resizelet.core.enact.Backoff;
import dev.resizelet.core.enact.ContainerEnactment;
import dev.resizelet.core.enact.EnactStep;
import dev.resizelet.core.enact.EnactmentExecutor;
import dev.resizelet.core.enact.EnactmentPlanner;
import dev.resizelet.core.enact.PassOutcome;
import dev.resizelet.core.enact.PodEnactment;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.cri.CriException;
import dev.resizelet.cri.CriRuntime;
import java.time.Duration;
import dev.resizelet.cri.v1.Container;
import dev.resizelet.cri.v1.ListContainersRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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

    private final CriRuntime cri;
    private final CgroupManager cgroups;
    private final ActuatedStore actuated;
    private final ExecutorService workers;
    private final ScheduledExecutorService scheduler;
    private final Backoff backoff;
    private final RuntimeListener listener;
    private final PodLifecycle lifecycle;
    private final StatusReader statusReader;
    private final EnactmentExecutor executor;
    private final Map<String, PodLane> lanes = new ConcurrentHashMap<>();
    private final RuntimeEvents events;
    private final LongAdder passes = new LongAdder();
    private final LongAdder failedPasses = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private volatile boolean closed;
    private long relistPasses; // only the scheduler thread touches it

    /**
     * A relist is one node-wide ListContainers; only pods whose containers changed in the runtime (another id
     * or state: a restart behind the agent's back) are re-read with ContainerStatus. Every tenth relist re-reads
     * every pod, for values a runtime changes without a new container. The kubelet's PLEG works the same way.
     */
    private static final int FULL_RELIST_EVERY = 10;

    public RuntimeEngine(CriRuntime cri, CgroupManager cgroups, ActuatedStore actuated, ExecutorService workers,
            ScheduledExecutorService scheduler, Backoff backoff, RuntimeListener listener) {
        this.cri = requireNonNull(cri, "cri");
        this.cgroups = requireNonNull(cgroups, "cgroups");
        this.actuated = requireNonNull(actuated, "actuated");
        this.workers = requireNonNull(workers, "workers");
        this.scheduler = requireNonNull(scheduler, "scheduler");
        this.backoff = requireNonNull(backoff, "backoff");
        this.listener = requireNonNull(listener, "listener");
        this.lifecycle = new PodLifecycle(cri, cgroups);
        this.statusReader = new StatusReader(cri, cgroups);
        this.executor = new EnactmentExecutor(cgroups);
        this.events = new RuntimeEvents(cri, scheduler, this::refreshByContainerId);
    }

    /** Starts the periodic relist and the container event stream. */
    public void start(Duration relistInterval) {
        long ms = Math.max(1, relistInterval.toMillis());
        scheduler.scheduleWithFixedDelay(this::relistAll, ms, ms, TimeUnit.MILLISECONDS);
        events.subscribe();
    }

    /** Runs the pod (first time) or enacts the target's allocated values; a newer target replaces a queued one. */
    public void submit(PodTarget target) {
        PodLane lane = lanes.computeIfAbsent(target.spec().uid(), PodLane::new);
        synchronized (lane) {
            lane.target = target;
            lane.wantSync = true;
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
        Map<String, RunningPod> found = lifecycle.adoptAll(pods);
        for (PodSpec spec : pods) {
            PodLane lane = lanes.computeIfAbsent(spec.uid(), PodLane::new);
            lane.pod = found.get(spec.uid());
            lane.adoptionChecked = true;
        }
    }

    /** Stops and removes the pod's containers, sandbox and cgroup; {@link RuntimeListener#removed} when done. */
    public void remove(String podUid) {
        PodLane lane = lanes.get(podUid);
        if (lane == null) {
            return;
        }
        synchronized (lane) {
            lane.deleted = true;
            lane.wantSync = true;
            if (lane.retry != null) {
                lane.retry.cancel(false);
                lane.retry = null;
            }
        }
        kick(lane);
    }

    public Optional<PodRuntimeView> view(String podUid) {
        PodLane lane = lanes.get(podUid);
        if (lane == null) {
            return Optional.empty();
        }
        PodTarget target;
        synchronized (lane) {
            target = lane.target;
        }
        Map<String, ResourceValues> act = actuated.get(podUid);
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

    /** Refreshes the status of every running pod (the relist). */
    public void relistAll() {
        boolean full = relistPasses++ % FULL_RELIST_EVERY == 0;
        Map<String, List<Container>> bySandbox = null;
        if (!full) {
            try {
                bySandbox = cri.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList().stream()
                        .collect(Collectors.groupingBy(Container::getPodSandboxId));
            } catch (CriException e) {
                log.warn("relist failed error=\"{}\"", e.getMessage());
                return;
            }
        }
        for (PodLane lane : lanes.values()) {
            RunningPod p = lane.pod;
            if (p == null || (bySandbox != null && !changedInRuntime(p, bySandbox.getOrDefault(p.sandboxId(), List.of())))) {
                continue;
            }
            synchronized (lane) {
                lane.wantRefresh = true;
            }
            kick(lane);
        }
    }

    /** True if the runtime lists a container of the pod with another id or state than the agent knows. */
    private static boolean changedInRuntime(RunningPod pod, List<Container> listed) {
        Map<String, Container> newest = new HashMap<>();
        for (Container c : listed) {
            newest.merge(c.getMetadata().getName(), c, (a, b) -> a.getCreatedAt() >= b.getCreatedAt() ? a : b);
        }
        for (RunningContainer known : pod.containers()) {
            Container c = newest.get(known.name());
            if (c == null ? !known.containerId().isEmpty()
                    : !c.getId().equals(known.containerId()) || !c.getState().name().equals(known.state())) {
                return true;
            }
        }
        return false;
    }

    private void refreshByContainerId(String containerId) {
        for (PodLane lane : lanes.values()) {
            RunningPod p = lane.pod;
            if (p != null && (containerId.isEmpty()
                    || p.containers().stream().anyMatch(c -> c.containerId().equals(containerId)))) {
                synchronized (lane) {
                    lane.wantRefresh = true;
                }
                kick(lane);
                return;
            }
        }
        relistAll(); // a container we do not know yet (a behind-the-back restart): look everywhere
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
        PodTarget target;
        boolean deleted;
        boolean sync;
        boolean refresh;
        synchronized (lane) {
            lane.queued = false;
            lane.running = true;
            target = lane.target;
            deleted = lane.deleted;
            sync = lane.wantSync;
            refresh = lane.wantRefresh;
            lane.wantSync = false;
            lane.wantRefresh = false;
        }
        boolean failed = false;
        try {
            if (deleted) {
                teardown(lane);
            } else if (sync) {
                failed = !sync(lane, target);
            } else if (refresh) {
                refresh(lane, target);
            }
        } catch (RuntimeException e) {
            log.error("pod worker failed pod={} error=\"{}\"", lane.uid, e.getMessage(), e);
            failed = true;
            lane.lastError = e.getMessage();
        } finally {
            synchronized (lane) {
                lane.running = false;
                if (failed && !lane.deleted && !closed) {
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
    }

    private void retry(PodLane lane) {
        synchronized (lane) {
            lane.retry = null;
            lane.wantSync = true;
        }
        kick(lane);
    }

    private void teardown(PodLane lane) {
        RunningPod p = lane.pod;
        if (p != null) {
            lifecycle.stop(p);
        }
        lane.pod = null;
        actuated.remove(lane.uid);
        lanes.remove(lane.uid, lane);
        listener.removed(lane.uid);
    }

    /** One level-triggered pass; false when it failed and must be retried. */
    private boolean sync(PodLane lane, PodTarget target) {
        if (lane.pod == null) {
            Optional<RunningPod> adopted = lane.adoptionChecked ? Optional.empty() : lifecycle.adopt(target.spec());
            lane.adoptionChecked = true;
            if (adopted.isPresent()) {
                // restarted agent: the runtime kept the pod; enact whatever the checkpoint says is missing
                lane.pod = adopted.get();
                return sync(lane, target);
            }
            RunningPod started = lifecycle.start(target.spec(), target.allocated());
            target.allocated().forEach((name, v) -> actuated.put(lane.uid, name, v));
            actuated.flush(lane.uid);
            lane.pod = started;
            lane.appliedGeneration = target.generation();
            lane.lastError = null;
            refresh(lane, target);
            return true;
        }
        PodEnactment input = enactmentInput(lane, target);
        List<EnactStep> plan = EnactmentPlanner.plan(input);
        if (plan.isEmpty()) {
            lane.appliedGeneration = target.generation();
            refresh(lane, target);
            return true;
        }
        passes.increment();
        lane.pendingCompletion = true;
        log.info("resize pass pod={} generation={} steps={}", lane.uid, target.generation(), plan.size());
        CriPodOps ops = new CriPodOps(cri, lifecycle, target.spec(), lane.pod.sandboxId(),
                name -> lane.pod.container(name).map(c -> c.restartCount() + 1).orElse(1));
        PassOutcome outcome;
        try {
            outcome = executor.execute(input, plan, ops, new Recorder(lane, target));
        } finally {
            actuated.flush(lane.uid); // what was accepted before a failure is kept too
        }
        if (outcome instanceof PassOutcome.Failed f) {
            failedPasses.increment();
            lane.lastError = f.message();
            listener.resizeFailed(lane.uid, f.message());
            listener.changed(lane.uid);
            return false;
        }
        lane.lastError = null;
        lane.appliedGeneration = target.generation();
        refresh(lane, target);
        return true;
    }

    private PodEnactment enactmentInput(PodLane lane, PodTarget target) {
        Map<String, ResourceValues> act = actuated.get(lane.uid);
        List<ContainerEnactment> containers = new ArrayList<>();
        for (ContainerSpec c : target.spec().containers()) {
            ResourceValues allocated = target.allocated().get(c.name());
            containers.add(new ContainerEnactment(c.name(), lane.pod.containerId(c.name()),
                    act.getOrDefault(c.name(), allocated), allocated, target.cpuPolicy(c.name()),
                    target.memoryPolicy(c.name())));
        }
        CgroupResources current = cgroups.read(lane.pod.podCgroup());
        PodEnactment input = new PodEnactment(lane.uid, target.spec().tier(), lane.pod.podCgroup(),
                lane.pod.sandboxId(), current, containers);
        CgroupResources unrounded = unroundedMemory(current, input.podTarget());
        return unrounded == current ? input : new PodEnactment(lane.uid, target.spec().tier(), lane.pod.podCgroup(),
                lane.pod.sandboxId(), unrounded, containers);
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

    /** Relists the pod; a container the runtime replaced behind our back is re-synced to the allocated values. */
    private void refresh(PodLane lane, PodTarget target) {
        RunningPod before = lane.pod;
        if (before == null || target == null) {
            return;
        }
        Map<String, ResourceValues> act = actuated.get(lane.uid);
        RunningPod after;
        try {
            after = statusReader.relist(before,
                    name -> act.getOrDefault(name, target.allocated().get(name)).memoryRequestBytes());
        } catch (CriException e) {
            log.warn("relist failed pod={} error=\"{}\"", lane.uid, e.getMessage());
            return;
        }
        lane.pod = after;
        boolean resync = false;
        for (RunningContainer c : after.containers()) {
            String oldId = before.containerId(c.name());
            if (!oldId.isEmpty() && !c.containerId().equals(oldId) && c.actual() != null) {
                // restarted by the runtime, with whatever it chose: that is what is actuated now
                log.info("container replaced behind the agent's back pod={} container={} old={} new={}",
                        lane.uid, c.name(), oldId, c.containerId());
                actuated.put(lane.uid, c.name(), c.actual());
                resync = true;
            }
        }
        if (resync) {
            actuated.flush(lane.uid);
            synchronized (lane) {
                lane.wantSync = true;
            }
        } else if (lane.pendingCompletion && actuated.get(lane.uid).equals(target.allocated())) {
            lane.pendingCompletion = false;
            completed.increment();
            log.info("resize completed pod={} generation={}", lane.uid, target.generation());
            listener.resizeCompleted(lane.uid, target.generation());
        }
        listener.changed(lane.uid);
    }

    @Override
    public void close() {
        closed = true;
        events.close();
    }

    /** Records each accepted step in the actuated store and reads the container's status at once. */
    private final class Recorder implements ActuationListener {
        private final PodLane lane;
        private final PodTarget target;

        Recorder(PodLane lane, PodTarget target) {
            this.lane = lane;
            this.target = target;
        }

        @Override
        public void actuated(String container, ResourceValues values) {
            actuated.put(lane.uid, container, values);
            readNow(container, lane.pod.containerId(container), values);
        }

        @Override
        public void removed(String container) {
            lane.pod = lane.pod.with(lane.pod.container(container).orElseThrow().removed());
            listener.changed(lane.uid);
        }

        @Override
        public void recreated(String container, String newContainerId, ResourceValues values) {
            actuated.put(lane.uid, container, values);
            actuated.flush(lane.uid); // at once: a crash must not restart this container a second time
            readNow(container, newContainerId, values);
        }

        private void readNow(String container, String containerId, ResourceValues values) {
            try {
                lane.pod = lane.pod.with(statusReader.read(lane.pod, container, containerId, values.memoryRequestBytes()));
            } catch (CriException e) {
                log.warn("status read after update failed pod={} container={} error=\"{}\"", lane.uid, container,
                        e.getMessage());
            }
            listener.changed(lane.uid);
        }
    }
}
