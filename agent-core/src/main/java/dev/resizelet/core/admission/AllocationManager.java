package dev.resizelet.core.admission;

import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.ResourceVector;
import dev.resizelet.core.store.ResizeJournal;
import dev.resizelet.core.store.StoreException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
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
 * The node's allocation bookkeeping (kubelet allocation manager) and the single owner of every pod's resize record.
 * Exactly one thread (the {@link ReconcileLoop}'s, or a test's) calls the mutators; every decision costs O(1) in
 * the number of pods (the sum of allocated requests is a running total).
 *
 * <p>Changes are staged, then made durable together by {@link #commit()} (group commit: one sync for a batch of
 * decisions) and only then published to other threads ({@link #state}, {@link #snapshot}). If the batch cannot be
 * made durable, every pod it touched goes back to its last committed record, the totals with it, and the caller
 * retries. Other threads therefore never see a decision that a crash could take back.
 */
public final class AllocationManager {

    private static final Logger log = LoggerFactory.getLogger(AllocationManager.class);

    private final NodeConfig node;
    private final Clock clock;
    private final ResizeJournal journal;

    /** Committed records, published after each durable batch: any thread may read. */
    private final Map<PodUid, PodState> committed = new ConcurrentHashMap<>();
    private final AtomicReference<NodeSnapshot> snapshot;
    // Owner thread only, no lock:
    private final Map<PodUid, PodState> working = new HashMap<>();
    /** Deferred pods with what their resize asks for and what they hold: the fit test reads no record. */
    private final Map<PodUid, Waiting> deferred = new LinkedHashMap<>();
    private final List<ResizeJournal.Entry> staged = new ArrayList<>();
    private final Set<PodUid> touched = new LinkedHashSet<>();
    /**
     * The touched pods whose every change in the batch is one their status does not show: a pass that only recorded
     * actuated values (the status shows the runtime's view of them as soon as the pass ends, before they are durable).
     * Empty in a batch of decisions: a decision touches no set but {@code touched}.
     */
    private final Set<PodUid> quiet = new java.util.HashSet<>();
    /** Pods removed lately: a spec of one that reaches the loop after its removal is not admitted again. */
    private final Set<PodUid> removed = java.util.Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<PodUid, Boolean> eldest) {
            return size() > REMOVED_REMEMBERED;
        }
    });
    private static final int REMOVED_REMEMBERED = 100_000;
    private boolean roomFreed;
    // a retry of the deferred queue that changed nothing stays valid while the totals are the same and no resize
    // was deferred anew (a decision depends only on the node, the pod and the others' total): then it is skipped
    private long deferrals;
    private long settledDeferrals = -1;
    private ResourceVector settledUsed;
    /**
     * A trigger skipped a retry because no deferred resize could fit: their decisions stand, only the node's use in
     * their messages is behind, and {@link #refreshDeferred} brings it up to date.
     */
    private volatile boolean refreshOwed; // read by the loop's timer, written by the owner
    private ResourceVector used = ResourceVector.ZERO;
    /** Extended resources (the ones the node advertises) held by admitted pods; fixed per pod, never resized. */
    private final Map<String, Long> usedExtended = new HashMap<>();
    private int admittedPods;
    private long version;

    public AllocationManager(NodeConfig node, Clock clock, ResizeJournal journal) {
        this.node = Objects.requireNonNull(node, "node");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.journal = Objects.requireNonNull(journal, "journal");
        this.snapshot = new AtomicReference<>(new NodeSnapshot(node.allocatable(), used, 0, 0, 0));
    }

    public NodeConfig nodeConfig() {
        return node;
    }

    /**
     * Restart: re-admits every pod that has an allocated record exactly as acknowledged, forgets records of pods
     * that are gone, then admits pods never admitted, then looks at pending resizes (desired differs from
     * allocated). Call once, on an empty manager; {@link #commit()} afterwards.
     *
     * @return the decisions taken for never-admitted pods and pending resizes
     */
    public Map<PodUid, AdmissionDecision> restore(Collection<Pod> desiredPods) {
        if (!working.isEmpty()) {
            throw new IllegalStateException("restore must run before any pod is admitted");
        }
        ResizeJournal.State opened = journal.opened();
        Set<PodUid> present = new HashSet<>(desiredPods.size() * 2);
        Set<PodUid> resizing = new HashSet<>();
        for (Pod pod : desiredPods) {
            present.add(pod.uid());
            PodResources entry = opened.allocated().get(pod.uid());
            if (entry != null) {
                // the common case after a restart: nothing pending, the spec itself is the allocated pod (one instance)
                boolean same = entry.sameResources(pod.resources());
                if (!same) {
                    resizing.add(pod.uid());
                }
                Pod allocPod = same ? pod : pod.withResources(entry);
                PodState s = new PodState(pod, allocPod, opened.actuated().get(pod.uid()),
                        new Admitted(pod.uid(), entry.generation()), null);
                used = used.plus(s.allocatedRequests());
                holdExtended(pod, 1);
                admittedPods++;
                working.put(pod.uid(), s);
                committed.put(pod.uid(), s);
            }
        }
        Set<PodUid> gone = new HashSet<>(opened.allocated().keySet());
        gone.addAll(opened.actuated().keySet());
        gone.removeAll(present);
        gone.forEach(uid -> staged.add(new ResizeJournal.Removed(uid)));
        publishSnapshot();
        log.info("allocation restored pods={} cpuMillis={} memoryBytes={} forgotten={}", admittedPods,
                used.cpuMillis(), used.memoryBytes(), gone.size());
        Map<PodUid, AdmissionDecision> decisions = new LinkedHashMap<>();
        for (Pod pod : desiredPods) {
            if (!opened.allocated().containsKey(pod.uid())) {
                decisions.put(pod.uid(), admitNewPod(pod));
            }
        }
        for (Pod pod : desiredPods) {
            if (resizing.contains(pod.uid())) {
                decisions.put(pod.uid(), requestResize(pod));
            }
        }
        return decisions;
    }

    /** A pod new to this node: admitted, or rejected (Infeasible with OutOfcpu/OutOfmemory/OutOfpods). */
    public AdmissionDecision admitNewPod(Pod pod) {
        if (removed.contains(pod.uid())) {
            // a writer's spec that raced the pod's deletion to the loop: the pod is gone (uids are never reused)
            return new Infeasible(pod.uid(), pod.generation(), "Deleted", "the pod was deleted");
        }
        PodState existing = working.get(pod.uid());
        if (existing != null) {
            return requestResize(pod);
        }
        AdmissionDecision d = AdmissionRules.newPod(node, pod, used, admittedPods, usedExtended);
        if (d instanceof Admitted) {
            PodState s = new PodState(pod, pod, null, d, null);
            stage(s, new ResizeJournal.Allocated(pod.resources()));
            used = used.plus(s.allocatedRequests());
            holdExtended(pod, 1);
            admittedPods++;
            log.debug("pod admitted pod={} uid={} cpuMillis={} memoryBytes={}", pod.key(), pod.uid(),
                    s.allocatedRequests().cpuMillis(), s.allocatedRequests().memoryBytes());
        } else {
            stage(new PodState(pod, null, null, d, null), null);
            log.info("pod rejected pod={} uid={} decision={}", pod.key(), pod.uid(), d);
        }
        return d;
    }

    /**
     * A new desired spec for a pod (a resize, or any spec change). It replaces a pending one; a spec whose
     * resources equal the allocated ones cancels any pending resize; an Infeasible spec is not re-evaluated until
     * its resources change. A spec older than the one already seen (writers race to the loop) changes nothing:
     * only the newest desired spec is ever admitted.
     */
    public AdmissionDecision requestResize(Pod desired) {
        PodState s = working.get(desired.uid());
        if (s == null) {
            return admitNewPod(desired);
        }
        if (desired.generation() < s.desired().generation()) {
            return s.lastDecision();
        }
        if (s.allocated() == null) {
            if (s.lastDecision() instanceof Infeasible inf && s.desired().sameResources(desired)) {
                stage(new PodState(desired, null, null, inf, null), null);
                return inf;
            }
            working.remove(desired.uid());
            return admitNewPod(desired);
        }
        if (s.allocated().sameResources(desired)) {
            deferred.remove(desired.uid());
            Admitted same = new Admitted(desired.uid(), desired.generation());
            stage(s.withDecision(desired, same, null), null);
            return same;
        }
        if (s.lastDecision() instanceof Infeasible inf && s.desired().sameResources(desired)) {
            stage(s.withDecision(desired, inf, null), null);
            return inf;
        }
        ResourceVector want = desired.requests();
        AdmissionDecision d = AdmissionRules.resize(node, s.allocated(), desired, want, used.minus(s.allocatedRequests()));
        apply(s, desired, d, want);
        return d;
    }

    /** The pod is gone: frees its allocation and retries deferred resizes. */
    public List<AdmissionDecision> removePod(PodUid uid) {
        removed.add(uid);
        PodState s = working.remove(uid);
        if (s == null) {
            return List.of();
        }
        staged.add(new ResizeJournal.Removed(uid));
        touched.add(uid);
        if (!quiet.isEmpty()) {
            quiet.remove(uid);
        }
        deferred.remove(uid);
        if (s.allocated() != null) {
            used = used.minus(s.allocatedRequests());
            holdExtended(s.allocated(), -1);
            admittedPods--;
        }
        log.info("pod removed pod={} uid={}", s.desired().key(), uid);
        return retryTriggered();
    }

    /**
     * If a decision since the last call shrank an allocation, the room it freed goes to deferred resizes at once (in
     * the kubelet's order), not at the next timer tick. The loop calls this after each batch's commands.
     */
    public List<AdmissionDecision> retryIfRoomFreed() {
        if (!roomFreed) {
            return List.of();
        }
        roomFreed = false;
        List<AdmissionDecision> all = new ArrayList<>();
        List<AdmissionDecision> round;
        do {
            round = retryTriggered();
            all.addAll(round);
            roomFreed = false; // what this retry admitted may have shrunk others again: loop until nothing changes
        } while (round.stream().anyMatch(Admitted.class::isInstance));
        return all;
    }

    /** Enactment finished a resize of {@code uid} (room may have been freed): retry deferred resizes. */
    public List<AdmissionDecision> resizeFinished(PodUid uid) {
        return retryTriggered();
    }

    /**
     * A trigger (a resize finished, room was freed, a pod left): the deferred resizes are retried in the kubelet's
     * order when one of them could fit now. When none could, every decision would stay Deferred and only the node's use
     * quoted in their messages would change; re-deciding the whole queue on every finished resize made a resize storm
     * recompose and republish each deferred pod hundreds of times a second. That refresh is owed instead, and
     * {@link #refreshDeferred} (the loop calls it every second) pays it.
     */
    List<AdmissionDecision> retryTriggered() {
        if (deferred.isEmpty()) {
            return List.of();
        }
        if (!anyDeferredFits()) {
            refreshOwed |= settledDeferrals != deferrals || !used.equals(settledUsed);
            return List.of();
        }
        return retryPending();
    }

    /** Whether a trigger skipped re-deciding the deferred resizes (see {@link #retryTriggered}). */
    public boolean refreshOwed() {
        return refreshOwed;
    }

    /** Re-decides the deferred resizes if a trigger skipped them; their messages then quote the node's use as it is. */
    public List<AdmissionDecision> refreshDeferred() {
        return refreshOwed ? retryPending() : List.of();
    }

    /** Whether some deferred resize fits beside the others now (the fit test of {@link AdmissionRules#resize}). */
    private boolean anyDeferredFits() {
        for (Waiting w : deferred.values()) {
            if (AdmissionRules.fitsBeside(w.want(), used, w.holds(), node.allocatable())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Retries deferred resizes in the kubelet's priority order (timer and triggers). Returns the decisions that
     * changed (admitted, or now infeasible, or deferred with a new message).
     */
    public List<AdmissionDecision> retryPending() {
        refreshOwed = false;
        if (deferred.isEmpty() || (settledDeferrals == deferrals && used.equals(settledUsed))) {
            return List.of();
        }
        List<PodState> waiting = new ArrayList<>(deferred.size());
        for (PodUid uid : deferred.keySet()) {
            waiting.add(working.get(uid));
        }
        List<AdmissionDecision> changed = new ArrayList<>();
        for (PendingOrder.Queued q : PendingOrder.order(waiting)) {
            PodState s = q.state();
            ResourceVector want = q.want();
            AdmissionDecision d = AdmissionRules.resize(node, s.allocated(), s.desired(), want,
                    used.minus(s.allocatedRequests()));
            if (!d.equals(s.lastDecision())) {
                apply(s, s.desired(), d, want);
                changed.add(d);
            }
        }
        if (changed.isEmpty()) {
            settledDeferrals = deferrals;
            settledUsed = used;
        }
        return changed;
    }

    /**
     * An enactment pass ended: {@code actuated} is what the runtime accepted (null: unchanged), {@code error} why
     * the pass stopped (null: it did not). Ignored for unknown pods. The actuated values are journaled only when
     * they changed; the error is status only.
     */
    public void recordPass(PodUid uid, PodResources actuated, String error) {
        PodState s = working.get(uid);
        if (s == null) {
            return;
        }
        PodResources next = actuated == null ? s.actuated() : actuated;
        boolean changed = actuated != null && !actuated.equals(s.actuated());
        if (!changed && Objects.equals(error, s.enactError())) {
            return;
        }
        // the same error (none, mostly): only the actuated values change, which the status already shows; the first
        // values (a pod just started) are told all the same
        stage(s.withActuated(next, error), changed ? new ResizeJournal.Actuated(actuated) : null,
                s.actuated() == null || !Objects.equals(error, s.enactError()));
    }

    /**
     * Makes every staged change durable with one sync and publishes the touched records. On failure the touched
     * pods go back to their committed records (totals and deferred queue with them), nothing is published, and
     * {@link StoreException.Unavailable} is thrown.
     *
     * @return the pods whose committed record changed, in the order they were touched, and which of them changed in a
     *     way their status can show
     */
    public Commit commit() {
        List<PodUid> changed = List.copyOf(touched);
        Set<PodUid> notShown = quiet.isEmpty() ? Set.of() : Set.copyOf(quiet);
        try {
            journal.commit(staged);
        } catch (StoreException.Unavailable e) {
            rollback();
            throw e;
        } finally {
            staged.clear();
            touched.clear();
            quiet.clear();
        }
        for (PodUid uid : changed) {
            PodState s = working.get(uid);
            if (s == null) {
                committed.remove(uid);
            } else {
                committed.put(uid, s);
            }
        }
        publishSnapshot();
        return new Commit(changed, notShown);
    }

    /**
     * What a {@link #commit()} made durable: the pods whose record changed, and of those the ones whose status cannot
     * show the change ({@code notShown}).
     */
    public record Commit(List<PodUid> changed, Set<PodUid> notShown) {
        public boolean statusChanged(PodUid uid) {
            return notShown.isEmpty() || !notShown.contains(uid);
        }
    }

    /** Rewrites the journal as the live records when it has grown large (call after a commit). */
    public void compactJournal() {
        if (!journal.needsCompaction()) {
            return; // the common case: a size comparison, no walk over the pods
        }
        Map<PodUid, PodResources> allocated = new HashMap<>();
        Map<PodUid, PodResources> actuated = new HashMap<>();
        for (PodState s : committed.values()) {
            if (s.allocated() != null) {
                allocated.put(s.desired().uid(), s.allocated().resources());
            }
            if (s.actuated() != null) {
                actuated.put(s.desired().uid(), s.actuated());
            }
        }
        journal.compactIfLarge(allocated, actuated);
    }

    /** The committed record of a pod. */
    public Optional<PodState> state(PodUid uid) {
        return Optional.ofNullable(committed.get(uid));
    }

    /** Allocated resources of a pod, if it was admitted (committed). */
    public Optional<PodResources> allocated(PodUid uid) {
        return state(uid).flatMap(PodState::allocatedResources);
    }

    public NodeSnapshot snapshot() {
        return snapshot.get();
    }

    /** Every committed record (a copy; for tests and diagnostics). */
    public Map<PodUid, PodState> states() {
        return Map.copyOf(committed);
    }

    private void apply(PodState s, Pod desired, AdmissionDecision d, ResourceVector desiredRequests) {
        PodUid uid = desired.uid();
        if (d instanceof Admitted) {
            PodState next = new PodState(desired, desired, s.actuated(), d, null, s.enactError(), desiredRequests);
            stage(next, new ResizeJournal.Allocated(desired.resources()));
            ResourceVector before = s.allocatedRequests();
            ResourceVector after = next.allocatedRequests();
            roomFreed |= after.cpuMillis() < before.cpuMillis() || after.memoryBytes() < before.memoryBytes();
            used = used.minus(s.allocatedRequests()).plus(next.allocatedRequests());
            deferred.remove(uid);
            if (log.isDebugEnabled()) {
                log.debug("resize admitted pod={} uid={} generation={} cpuMillis={} memoryBytes={}", desired.key(), uid,
                        desired.generation(), next.allocatedRequests().cpuMillis(), next.allocatedRequests().memoryBytes());
            }
        } else if (d instanceof Deferred def) {
            boolean wasDeferred = s.isDeferred() && s.pendingSince() != null;
            deferred.put(uid, new Waiting(desiredRequests, s.allocatedRequests()));
            deferrals++;
            stage(s.withDecision(desired, d, wasDeferred ? s.pendingSince() : clock.instant()), null);
            log.info("resize deferred pod={} uid={} generation={} message=\"{}\"", desired.key(), uid,
                    desired.generation(), def.message());
        } else if (d instanceof Infeasible inf) {
            deferred.remove(uid);
            stage(s.withDecision(desired, d, null), null);
            log.info("resize infeasible pod={} uid={} generation={} message=\"{}\"", desired.key(), uid,
                    desired.generation(), inf.message());
        }
    }

    private void stage(PodState next, ResizeJournal.Entry entry) {
        stage(next, entry, true);
    }

    private void stage(PodState next, ResizeJournal.Entry entry, boolean statusChanges) {
        PodUid uid = next.desired().uid();
        working.put(uid, next);
        boolean first = touched.add(uid);
        if (!statusChanges && first) {
            quiet.add(uid);
        } else if (statusChanges && !quiet.isEmpty()) {
            quiet.remove(uid);
        }
        if (entry != null) {
            staged.add(entry);
        }
    }

    /** Every touched pod back to its committed record; totals and the deferred queue follow. */
    private void rollback() {
        for (PodUid uid : touched) {
            PodState now = working.get(uid);
            PodState before = committed.get(uid);
            if (now != null && now.allocated() != null) {
                used = used.minus(now.allocatedRequests());
                holdExtended(now.allocated(), -1);
                admittedPods--;
            }
            if (before != null && before.allocated() != null) {
                used = used.plus(before.allocatedRequests());
                holdExtended(before.allocated(), 1);
                admittedPods++;
            }
            if (before == null) {
                working.remove(uid);
                deferred.remove(uid);
            } else {
                working.put(uid, before);
                if (before.isDeferred()) {
                    deferred.put(uid, new Waiting(before.desired().requests(), before.allocatedRequests()));
                    deferrals++;
                } else {
                    deferred.remove(uid);
                }
            }
        }
        log.warn("allocation batch rolled back pods={}", touched.size());
    }

    /** Adds ({@code sign} 1) or frees ({@code -1}) the pod's share of each extended resource the node advertises. */
    private void holdExtended(Pod pod, int sign) {
        for (String name : node.allocatable().extended().keySet()) {
            long n = pod.request(name);
            if (n != 0) {
                usedExtended.merge(name, sign * n, Long::sum);
            }
        }
    }

    /** Extended resources held by admitted pods, by name (a copy; diagnostics and tests). */
    public Map<String, Long> usedExtended() {
        return Map.copyOf(usedExtended);
    }

    private void publishSnapshot() {
        version++;
        snapshot.set(new NodeSnapshot(node.allocatable(), used, admittedPods, deferred.size(), version));
    }

    /** A deferred resize's pod requests ({@code want}) and the requests its allocation holds now. */
    private record Waiting(ResourceVector want, ResourceVector holds) {
    }
}
