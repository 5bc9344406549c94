package dev.resizelet.core.admission;

import dev.resizelet.core.checkpoint.PodResourcesStore;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.ResourceVector;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's allocation bookkeeping (kubelet allocation manager), synchronous and single-threaded:
 * exactly one thread (the {@link ReconcileLoop}'s, or a test's) calls the mutators. Every
 * decision costs O(1) in the number of pods: the sum of allocated requests is a running total.
 *
 * <p>Allocated resources are checkpointed before they count: if the write fails the call throws
 * {@link dev.resizelet.core.checkpoint.CheckpointWriteException} and nothing in memory changed.
 * Other threads read {@link #state(PodUid)} and {@link #snapshot()}, immutable values published
 * after each change.
 */
public final class AllocationManager {

    private static final Logger log = LoggerFactory.getLogger(AllocationManager.class);

    private final NodeConfig node;
    private final Clock clock;
    private final PodResourcesStore allocatedStore;
    private final PodResourcesStore actuatedStore;

    /** Single writer (the owner thread); values are immutable, so any thread may read. */
    private final Map<PodUid, PodState> states = new ConcurrentHashMap<>();
    private final AtomicReference<NodeSnapshot> snapshot;
    // Owner thread only, no lock:
    private final Set<PodUid> deferred = new LinkedHashSet<>();
    private ResourceVector used = ResourceVector.ZERO;
    private int admittedPods;
    private long version;

    public AllocationManager(NodeConfig node, Clock clock, PodResourcesStore allocatedStore,
            PodResourcesStore actuatedStore) {
        this.node = Objects.requireNonNull(node, "node");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.allocatedStore = Objects.requireNonNull(allocatedStore, "allocatedStore");
        this.actuatedStore = Objects.requireNonNull(actuatedStore, "actuatedStore");
        this.snapshot = new AtomicReference<>(new NodeSnapshot(node.allocatable(), used, 0, 0, 0));
    }

    public NodeConfig nodeConfig() {
        return node;
    }

    /**
     * Restart: re-admits every pod that has an allocated checkpoint exactly as acknowledged, drops
     * checkpoints of pods that are gone, then admits pods never admitted, then looks at pending
     * resizes (desired differs from allocated). Call once, on an empty manager.
     *
     * @return the decisions taken for never-admitted pods and pending resizes
     */
    public Map<PodUid, AdmissionDecision> restore(Collection<Pod> desiredPods) {
        if (!states.isEmpty()) {
            throw new IllegalStateException("restore must run before any pod is admitted");
        }
        Map<PodUid, PodResources> allocated = allocatedStore.loadAll();
        Map<PodUid, PodResources> actuated = actuatedStore.loadAll();
        Set<PodUid> present = new HashSet<>();
        for (Pod pod : desiredPods) {
            present.add(pod.uid());
            PodResources entry = allocated.get(pod.uid());
            if (entry != null) {
                Pod allocPod = pod.withResources(entry);
                used = used.plus(allocPod.requests());
                admittedPods++;
                states.put(pod.uid(), new PodState(pod, allocPod, actuated.get(pod.uid()),
                        new Admitted(pod.uid(), entry.generation()), null));
            }
        }
        for (PodUid gone : allocated.keySet()) {
            if (!present.contains(gone)) {
                allocatedStore.remove(gone);
            }
        }
        for (PodUid gone : actuated.keySet()) {
            if (!present.contains(gone)) {
                actuatedStore.remove(gone);
            }
        }
        publish();
        log.info("allocation restored pods={} cpuMillis={} memoryBytes={}", admittedPods, used.cpuMillis(),
                used.memoryBytes());
        Map<PodUid, AdmissionDecision> decisions = new LinkedHashMap<>();
        for (Pod pod : desiredPods) {
            if (!allocated.containsKey(pod.uid())) {
                decisions.put(pod.uid(), admitNewPod(pod));
            }
        }
        for (Pod pod : desiredPods) {
            PodResources entry = allocated.get(pod.uid());
            if (entry != null && !entry.sameResources(pod.resources())) {
                decisions.put(pod.uid(), requestResize(pod));
            }
        }
        return decisions;
    }

    /** A pod new to this node: admitted, or rejected (Infeasible with OutOfcpu/OutOfmemory/OutOfpods). */
    public AdmissionDecision admitNewPod(Pod pod) {
        PodState existing = states.get(pod.uid());
        if (existing != null && existing.allocated() != null) {
            return requestResize(pod);
        }
        AdmissionDecision d = AdmissionRules.newPod(node, pod, used, admittedPods);
        if (d instanceof Admitted) {
            allocatedStore.save(pod.resources());
            used = used.plus(pod.requests());
            admittedPods++;
            states.put(pod.uid(), new PodState(pod, pod, null, d, null));
            log.info("pod admitted pod={} uid={} cpuMillis={} memoryBytes={}", pod.key(), pod.uid(),
                    pod.requests().cpuMillis(), pod.requests().memoryBytes());
        } else {
            states.put(pod.uid(), new PodState(pod, null, null, d, null));
            log.info("pod rejected pod={} uid={} decision={}", pod.key(), pod.uid(), d);
        }
        publish();
        return d;
    }

    /**
     * A new desired spec for a pod (a resize, or any spec change). It replaces a pending one; a spec
     * whose resources equal the allocated ones cancels any pending resize; an Infeasible spec is not
     * re-evaluated until its resources change.
     */
    public AdmissionDecision requestResize(Pod desired) {
        PodState s = states.get(desired.uid());
        if (s == null || s.allocated() == null) {
            return admitNewPod(desired);
        }
        PodResources allocatedResources = s.allocated().resources();
        Pod rebased = desired.withResources(allocatedResources);
        if (allocatedResources.sameResources(desired.resources())) {
            deferred.remove(desired.uid());
            Admitted same = new Admitted(desired.uid(), desired.generation());
            states.put(desired.uid(), new PodState(desired, rebased, s.actuated(), same, null));
            publish();
            return same;
        }
        if (s.lastDecision() instanceof Infeasible inf && s.desired().resources().sameResources(desired.resources())) {
            states.put(desired.uid(), new PodState(desired, rebased, s.actuated(), inf, null));
            publish();
            return inf;
        }
        AdmissionDecision d = AdmissionRules.resize(node, s.allocated(), desired, used.minus(s.allocated().requests()));
        apply(s, desired, rebased, d);
        return d;
    }

    /** The pod is gone: frees its allocation and retries deferred resizes. */
    public List<AdmissionDecision> removePod(PodUid uid) {
        PodState s = states.get(uid);
        if (s == null) {
            return List.of();
        }
        allocatedStore.remove(uid);
        actuatedStore.remove(uid);
        states.remove(uid);
        deferred.remove(uid);
        if (s.allocated() != null) {
            used = used.minus(s.allocated().requests());
            admittedPods--;
        }
        publish();
        log.info("pod removed pod={} uid={}", s.desired().key(), uid);
        return retryPending();
    }

    /** Enactment finished a resize of {@code uid} (room may have been freed): retry deferred resizes. */
    public List<AdmissionDecision> resizeFinished(PodUid uid) {
        return retryPending();
    }

    /**
     * Retries deferred resizes in the kubelet's priority order (timer and triggers). Returns the
     * decisions that changed (admitted, or now infeasible, or deferred with a new message).
     */
    public List<AdmissionDecision> retryPending() {
        List<PodState> queue = new ArrayList<>();
        for (PodUid uid : deferred) {
            queue.add(states.get(uid));
        }
        queue.sort(PendingOrder.ORDER);
        List<AdmissionDecision> changed = new ArrayList<>();
        for (PodState s : queue) {
            AdmissionDecision d = AdmissionRules.resize(node, s.allocated(), s.desired(),
                    used.minus(s.allocated().requests()));
            if (!d.equals(s.lastDecision())) {
                apply(s, s.desired(), s.allocated(), d);
                changed.add(d);
            }
        }
        return changed;
    }

    /** Records what enactment applied successfully (checkpointed first). Ignored for unknown pods. */
    public void markActuated(PodResources actuated) {
        PodState s = states.get(actuated.uid());
        if (s == null) {
            return;
        }
        actuatedStore.save(actuated);
        states.put(actuated.uid(), s.withActuated(actuated));
        publish();
    }

    public Optional<PodState> state(PodUid uid) {
        return Optional.ofNullable(states.get(uid));
    }

    /** Allocated resources of a pod, if it was admitted. */
    public Optional<PodResources> allocated(PodUid uid) {
        return state(uid).flatMap(PodState::allocatedResources);
    }

    public NodeSnapshot snapshot() {
        return snapshot.get();
    }

    /** Every known pod's state (a copy; for status listing and tests). */
    public Map<PodUid, PodState> states() {
        return Map.copyOf(states);
    }

    private void apply(PodState s, Pod desired, Pod rebased, AdmissionDecision d) {
        PodUid uid = desired.uid();
        if (d instanceof Admitted) {
            allocatedStore.save(desired.resources());
            used = used.minus(s.allocated().requests()).plus(desired.requests());
            deferred.remove(uid);
            states.put(uid, new PodState(desired, desired, s.actuated(), d, null));
            log.info("resize admitted pod={} uid={} generation={} cpuMillis={} memoryBytes={}", desired.key(), uid,
                    desired.generation(), desired.requests().cpuMillis(), desired.requests().memoryBytes());
        } else if (d instanceof Deferred def) {
            boolean wasDeferred = s.isDeferred() && s.pendingSince() != null;
            deferred.add(uid);
            states.put(uid, new PodState(desired, rebased, s.actuated(), d, wasDeferred ? s.pendingSince()
                    : clock.instant()));
            log.info("resize deferred pod={} uid={} generation={} message=\"{}\"", desired.key(), uid,
                    desired.generation(), def.message());
        } else if (d instanceof Infeasible inf) {
            deferred.remove(uid);
            states.put(uid, new PodState(desired, rebased, s.actuated(), d, null));
            log.info("resize infeasible pod={} uid={} generation={} message=\"{}\"", desired.key(), uid,
                    desired.generation(), inf.message());
        }
        publish();
    }

    private void publish() {
        version++;
        snapshot.set(new NodeSnapshot(node.allocatable(), used, admittedPods, deferred.size(), version));
    }
}
