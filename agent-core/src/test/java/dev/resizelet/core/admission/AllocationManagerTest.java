package dev.resizelet.core.admission;

import static dev.resizelet.core.testing.Pods.burstable;
import static dev.resizelet.core.testing.Pods.container;
import static dev.resizelet.core.testing.Pods.pod;
import static dev.resizelet.core.testing.Pods.resized;
import static dev.resizelet.core.testing.Pods.withPriority;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resizelet.core.store.ResizeJournal;
import dev.resizelet.core.store.StoreException;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.ResourceVector;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AllocationManagerTest {

    private static final long MI = 1L << 20;
    private final MutableClock clock = new MutableClock();
    @org.junit.jupiter.api.io.TempDir
    Path stateDir;
    private CommittingManager manager;

    @org.junit.jupiter.api.BeforeEach
    void open() {
        manager = new CommittingManager(new AllocationManager(NodeConfig.of(new NodeAllocatable(4000, 4096 * MI, 110)),
                clock, ResizeJournal.open(stateDir)));
    }

    /** What a restart would read back from the journal. */
    private Map<PodUid, PodResources> journaledAllocations() {
        try (ResizeJournal reopened = ResizeJournal.open(stateDir)) {
            return reopened.opened().allocated();
        }
    }

    @Test
    void deferredResizeIsAdmittedWhenAnotherPodIsDeleted() {
        Pod a = burstable("a", 2000, 100 * MI);
        Pod b = burstable("b", 1500, 100 * MI);
        manager.admitNewPod(a);
        manager.admitNewPod(b);
        Pod bigger = resized(a, "cpu=3000m,memory=100Mi", "");

        assertThat(manager.requestResize(bigger)).isInstanceOf(Deferred.class);
        assertThat(manager.allocated(a.uid()).orElseThrow().sameResources(a.resources())).isTrue();

        List<AdmissionDecision> changed = manager.removePod(b.uid());

        assertThat(changed).containsExactly(new Admitted(a.uid(), bigger.generation()));
        assertThat(manager.allocated(a.uid()).orElseThrow().sameResources(bigger.resources())).isTrue();
        assertThat(journaledAllocations().get(a.uid()).sameResources(bigger.resources())).isTrue();
        assertThat(manager.snapshot().used()).isEqualTo(new ResourceVector(3000, 100 * MI));
    }

    @Test
    void aSettledDeferredQueueIsRetriedAgainOnlyWhenTotalsOrDeferralsChange() {
        // given a node where a's resize waits for b's room
        Pod a = burstable("a", 2000, 100 * MI);
        Pod b = burstable("b", 1500, 100 * MI);
        Pod c = burstable("c", 100, 100 * MI);
        manager.admitNewPod(a);
        manager.admitNewPod(b);
        manager.admitNewPod(c);
        Pod bigger = resized(a, "cpu=3000m,memory=100Mi", "");
        assertThat(manager.requestResize(bigger)).isInstanceOf(Deferred.class);
        assertThat(manager.retryPending()).isEmpty();

        // when nothing changed, a retry (a finished resize elsewhere, the timer) decides nothing new
        assertThat(manager.resizeFinished(c.uid())).isEmpty();

        // when a deferred resize asks for more, the queue is looked at again (still deferred, a new decision)
        Pod biggest = resized(bigger, "cpu=3500m,memory=100Mi", "");
        assertThat(manager.requestResize(biggest)).isInstanceOf(Deferred.class);

        // then room freed by a shrink of another pod (the totals change) admits it at the next retry
        assertThat(manager.requestResize(resized(b, "cpu=300m,memory=100Mi", ""))).isInstanceOf(Admitted.class);
        assertThat(manager.retryPending()).containsExactly(new Admitted(a.uid(), biggest.generation()));
        assertThat(manager.snapshot().used()).isEqualTo(new ResourceVector(3900, 300 * MI));
    }

    @Test
    void aTriggerThatCannotLetADeferredResizeFitLeavesItsDecisionAndOwesOnlyTheMessageRefresh() {
        // given a's growth deferred while b holds the room
        Pod a = burstable("a", 2000, 100 * MI);
        Pod b = burstable("b", 1500, 100 * MI);
        manager.admitNewPod(a);
        manager.admitNewPod(b);
        Pod bigger = resized(a, "cpu=3000m,memory=100Mi", "");
        Deferred first = (Deferred) manager.requestResize(bigger);
        assertThat(first.message()).isEqualTo(
                "Node didn't have enough resource: cpu, requested: 3000, used: 1500, capacity: 4000");

        // when b shrinks by too little for a to fit, the finished resize re-decides nothing
        assertThat(manager.requestResize(resized(b, "cpu=1200m,memory=100Mi", ""))).isInstanceOf(Admitted.class);
        assertThat(manager.resizeFinished(b.uid())).isEmpty();
        assertThat(manager.state(a.uid()).orElseThrow().lastDecision()).isEqualTo(first);
        assertThat(manager.m.refreshOwed()).isTrue();

        // then the owed refresh quotes the node's use as it is now, and is not owed again
        assertThat(manager.refreshDeferred()).containsExactly(new Deferred(a.uid(), bigger.generation(),
                "Node didn't have enough resource: cpu, requested: 3000, used: 1200, capacity: 4000"));
        assertThat(manager.m.refreshOwed()).isFalse();
        assertThat(manager.refreshDeferred()).isEmpty();

        // and a trigger after which a fits admits it at once, without waiting for a refresh
        assertThat(manager.requestResize(resized(b, "cpu=1000m,memory=100Mi", ""))).isInstanceOf(Admitted.class);
        assertThat(manager.resizeFinished(b.uid())).containsExactly(new Admitted(a.uid(), bigger.generation()));
        assertThat(manager.snapshot().used()).isEqualTo(new ResourceVector(4000, 200 * MI));
    }

    @Test
    void extendedResourcesTheNodeAdvertisesMustFitAndOnesItDoesNotAreLeftOut() {
        CommittingManager node = new CommittingManager(new AllocationManager(NodeConfig.of(
                new NodeAllocatable(4000, 4096 * MI, 110, Map.of("example.com/dongle", 2L))), clock,
                ResizeJournal.inMemory()));
        Pod one = withExtended(burstable("one", 100, MI), "example.com/dongle", "1");
        Pod two = withExtended(burstable("two", 100, MI), "example.com/dongle", "2");
        Pod unknown = withExtended(burstable("unknown", 100, MI), "vendor.io/fpga", "5");

        assertThat(node.admitNewPod(one)).isInstanceOf(Admitted.class);
        assertThat(node.admitNewPod(two)).isEqualTo(new Infeasible(two.uid(), two.generation(), "OutOfexample.com/dongle",
                "Node didn't have enough resource: example.com/dongle, requested: 2, used: 1, capacity: 2"));
        // the kubelet drops requests of extended resources the node does not advertise before the fit
        assertThat(node.admitNewPod(unknown)).isInstanceOf(Admitted.class);
        assertThat(node.m.usedExtended()).containsExactly(Map.entry("example.com/dongle", 1L));

        node.removePod(one.uid());
        assertThat(node.m.usedExtended()).containsExactly(Map.entry("example.com/dongle", 0L));
        Pod again = withExtended(burstable("two-again", 100, MI), "example.com/dongle", "2");
        assertThat(node.admitNewPod(again)).isInstanceOf(Admitted.class);
    }

    private static Pod withExtended(Pod p, String name, String count) {
        var c = p.containers().get(0);
        var requests = new java.util.HashMap<>(c.resources().requests());
        requests.put(name, dev.resizelet.core.model.Quantity.parse(count));
        var limits = new java.util.HashMap<>(c.resources().limits());
        limits.put(name, dev.resizelet.core.model.Quantity.parse(count));
        return new Pod(p.namespace(), p.name(), p.uid(), p.generation(), p.priority(), p.annotations(),
                p.initContainers(), List.of(c.withResources(new dev.resizelet.core.model.ResourceRequirements(requests,
                        limits))));
    }

    @Test
    void aSpecOlderThanOneAlreadySeenChangesNothing() {
        // two API writers stored generations 2 and 3; their requests reach the loop in the other order
        Pod a = burstable("a", 1000, MI);
        manager.admitNewPod(a);
        Pod second = resized(a, "cpu=1500m,memory=1Mi", "");
        Pod third = resized(second, "cpu=1200m,memory=1Mi", "");

        assertThat(manager.requestResize(third)).isEqualTo(new Admitted(a.uid(), 3));
        AdmissionDecision late = manager.requestResize(second);

        assertThat(late).isEqualTo(new Admitted(a.uid(), 3));
        assertThat(manager.state(a.uid()).orElseThrow().desired()).isEqualTo(third);
        assertThat(manager.allocated(a.uid()).orElseThrow().sameResources(third.resources())).isTrue();
        assertThat(journaledAllocations().get(a.uid()).generation()).isEqualTo(3);
        assertThat(manager.snapshot().used()).isEqualTo(new ResourceVector(1200, MI));
    }

    @Test
    void aSpecThatRacedThePodsDeletionToTheLoopIsNotAdmittedAgain() {
        Pod a = burstable("a", 1000, MI);
        manager.admitNewPod(a);
        manager.removePod(a.uid());

        AdmissionDecision late = manager.requestResize(resized(a, "cpu=1500m,memory=1Mi", ""));

        assertThat(late).isInstanceOf(Infeasible.class);
        assertThat(manager.allocated(a.uid())).isEmpty();
        assertThat(manager.snapshot().used()).isEqualTo(ResourceVector.ZERO);
        assertThat(manager.snapshot().pods()).isZero();
    }

    @Test
    void deferredResizeIsAdmittedWhenAnotherPodShrinks() {
        Pod a = burstable("a", 2000, MI);
        Pod b = burstable("b", 2000, MI);
        manager.admitNewPod(a);
        manager.admitNewPod(b);
        Pod grown = resized(a, "cpu=3000m,memory=1Mi", "");
        manager.requestResize(grown);

        AdmissionDecision shrink = manager.requestResize(resized(b, "cpu=1000m,memory=1Mi", ""));
        List<AdmissionDecision> changed = manager.resizeFinished(b.uid());

        assertThat(shrink).isInstanceOf(Admitted.class);
        assertThat(changed).containsExactly(new Admitted(a.uid(), grown.generation()));
        assertThat(manager.snapshot().free()).isEqualTo(new ResourceVector(0, 4094 * MI));
    }

    @Test
    void deferredResizesAreAdmittedInPriorityOrder() {
        Pod filler = burstable("filler", 1400, MI);
        Pod hog = burstable("hog", 2000, MI);
        Pod low = withPriority(burstable("low", 100, MI), 0);
        Pod high = withPriority(burstable("high", 100, MI), 1000);
        Pod older = withPriority(burstable("older", 100, MI), 0);
        List.of(filler, hog, low, high, older).forEach(manager::admitNewPod);
        manager.requestResize(resized(older, "cpu=900m,memory=1Mi", ""));
        clock.advance(Duration.ofSeconds(5));
        manager.requestResize(resized(low, "cpu=900m,memory=1Mi", ""));
        manager.requestResize(resized(high, "cpu=900m,memory=1Mi", ""));
        assertThat(manager.snapshot().pendingResizes()).isEqualTo(3);

        // 2300m free after the hog goes, room for two of the three +800m: high priority first, then the one pending longest
        List<AdmissionDecision> changed = manager.removePod(hog.uid());

        assertThat(changed).filteredOn(Admitted.class::isInstance).extracting(AdmissionDecision::uid)
                .containsExactly(high.uid(), older.uid());
        assertThat(manager.state(low.uid()).orElseThrow().lastDecision()).isEqualTo(new Deferred(low.uid(), 2,
                "Node didn't have enough resource: cpu, requested: 900, used: 3200, capacity: 4000"));
    }

    @Test
    void shrinkingResizesComeBeforeGrowingOnesAndGuaranteedBeforeBurstable() {
        PodState growBurstable = pending(burstable("b", 100, MI), "cpu=200m,memory=1Mi", "", 0, Instant.EPOCH);
        PodState growGuaranteed = pending(pod("g", container("c", "cpu=100m,memory=1Mi", "cpu=100m,memory=1Mi")),
                "cpu=200m,memory=1Mi", "cpu=200m,memory=1Mi", 0, Instant.EPOCH.plusSeconds(9));
        PodState shrinkLowPriority = pending(burstable("s", 500, 2 * MI), "cpu=100m,memory=3Mi", "", -5,
                Instant.EPOCH.plusSeconds(20));

        List<PodState> sorted = List.of(growBurstable, growGuaranteed, shrinkLowPriority).stream()
                .sorted(PendingOrder.ORDER).toList();

        // the memory increase makes "s" increasing too: it sorts after by priority -5
        assertThat(sorted).extracting(s -> s.desired().uid().value()).containsExactly("g", "b", "s");
        PodState trueShrink = pending(burstable("t", 500, 2 * MI), "cpu=100m,memory=1Mi", "", -5, Instant.EPOCH);
        assertThat(List.of(growGuaranteed, trueShrink).stream().sorted(PendingOrder.ORDER).toList().get(0))
                .isSameAs(trueShrink);
    }

    @Test
    void infeasibleIsNotRetriedUntilTheSpecChanges() {
        Pod a = burstable("a", 1000, MI);
        Pod b = burstable("b", 1000, MI);
        manager.admitNewPod(a);
        manager.admitNewPod(b);
        Pod huge = resized(a, "cpu=5,memory=1Mi", "");

        Infeasible inf = (Infeasible) manager.requestResize(huge);

        assertThat(manager.removePod(b.uid())).isEmpty();
        assertThat(manager.retryPending()).isEmpty();
        assertThat(manager.requestResize(huge.withGeneration(huge.generation() + 1))).isSameAs(inf);
        Pod sensible = resized(huge, "cpu=3,memory=1Mi", "");
        assertThat(manager.requestResize(sensible)).isEqualTo(new Admitted(a.uid(), sensible.generation()));
    }

    @Test
    void aNewerSpecReplacesThePendingOne() {
        Pod a = burstable("a", 1000, MI);
        Pod b = burstable("b", 2500, MI);
        manager.admitNewPod(a);
        manager.admitNewPod(b);
        Pod first = resized(a, "cpu=2000m,memory=1Mi", "");
        Pod second = resized(first, "cpu=1500m,memory=1Mi", "");

        assertThat(manager.requestResize(first)).isInstanceOf(Deferred.class);
        assertThat(manager.requestResize(second)).isEqualTo(new Admitted(a.uid(), second.generation()));
        assertThat(manager.snapshot().pendingResizes()).isZero();
        assertThat(manager.retryPending()).isEmpty();
        assertThat(manager.allocated(a.uid()).orElseThrow().sameResources(second.resources())).isTrue();
    }

    @Test
    void revertingToTheAllocatedSpecCancelsThePendingResize() {
        Pod a = burstable("a", 1000, MI);
        manager.admitNewPod(a);
        manager.admitNewPod(burstable("b", 2500, MI));
        manager.requestResize(resized(a, "cpu=2000m,memory=1Mi", ""));

        AdmissionDecision d = manager.requestResize(resized(a, "cpu=1000m,memory=1Mi", "").withGeneration(3));

        assertThat(d).isEqualTo(new Admitted(a.uid(), 3));
        assertThat(manager.snapshot().pendingResizes()).isZero();
    }

    /**
     * A commit tells which changed pods' statuses can show the change: not a pod whose only change in the batch was a
     * pass recording new actuated values; a pod that was also decided in the same batch, or whose pass failed, can.
     */
    @Test
    void aCommitTellsWhichChangesAStatusCanShow() {
        Pod a = burstable("a", 1000, MI);
        Pod b = burstable("b", 1000, MI);
        Pod c = burstable("c", 1000, MI);
        AllocationManager m = new AllocationManager(NodeConfig.of(new NodeAllocatable(4000, 4096 * MI, 110)), clock,
                ResizeJournal.inMemory());
        for (Pod p : List.of(a, b, c)) {
            m.admitNewPod(p);
            m.recordPass(p.uid(), p.resources(), null); // the first values: a pod just started
        }
        AllocationManager.Commit first = m.commit();
        assertThat(first.changed()).containsExactly(a.uid(), b.uid(), c.uid());
        assertThat(first.notShown()).isEmpty();

        PodResources grown = resized(a, "cpu=1500m,memory=1Mi", "").resources();
        m.recordPass(a.uid(), grown, null);                              // values only
        m.recordPass(b.uid(), resized(b, "cpu=1500m,memory=1Mi", "").resources(), null);
        m.requestResize(resized(b, "cpu=1200m,memory=1Mi", ""));         // and a decision: shown
        m.recordPass(c.uid(), c.resources(), "runtime unavailable");     // an error: shown
        AllocationManager.Commit second = m.commit();

        assertThat(second.changed()).containsExactly(a.uid(), b.uid(), c.uid());
        assertThat(second.statusChanged(a.uid())).isFalse();
        assertThat(second.statusChanged(b.uid())).isTrue();
        assertThat(second.statusChanged(c.uid())).isTrue();
        assertThat(m.commit().notShown()).as("cleared with the batch").isEmpty();
    }

    @Test
    void aBatchThatCannotBeMadeDurableIsRolledBackAndChangesNothing() {
        Pod a = burstable("a", 1000, MI);
        Pod b = burstable("b", 2000, MI);
        FailingJournal failing = new FailingJournal();
        AllocationManager m = new AllocationManager(manager.nodeConfig(), clock, failing);
        m.admitNewPod(a);
        m.admitNewPod(b);
        m.commit();
        m.requestResize(resized(b, "cpu=3500m,memory=1Mi", ""));   // deferred: 1000m + 3500m > 4000m
        m.commit();
        NodeSnapshot before = m.snapshot();
        PodState aBefore = m.state(a.uid()).orElseThrow();
        PodState bBefore = m.state(b.uid()).orElseThrow();
        failing.fail = true;

        // one batch: a grows, c is admitted, b's deferred resize is retried after a shrinks... all or nothing
        m.requestResize(resized(a, "cpu=2,memory=1Mi", ""));
        m.admitNewPod(burstable("c", 1, 1));
        m.removePod(a.uid());
        assertThrows(StoreException.Unavailable.class, m::commit);

        assertThat(m.snapshot().used()).isEqualTo(before.used());
        assertThat(m.snapshot().pods()).isEqualTo(before.pods());
        assertThat(m.snapshot().pendingResizes()).isEqualTo(before.pendingResizes());
        assertThat(m.state(a.uid())).contains(aBefore);
        assertThat(m.state(b.uid())).contains(bBefore);
        assertThat(m.state(PodUid.of("c"))).isEmpty();

        // the owner's working state was rolled back too: the same batch again decides the same way once durable
        failing.fail = false;
        AdmissionDecision again = m.requestResize(resized(a, "cpu=2,memory=1Mi", ""));
        m.commit();
        assertThat(again).isEqualTo(new Admitted(a.uid(), 2));
        assertThat(m.snapshot().used()).isEqualTo(new ResourceVector(4000, 2 * MI));
        assertThat(failing.committed).last().asList().extracting(e -> ((ResizeJournal.Entry) e).uid())
                .containsExactly(a.uid());
    }

    @Test
    void restartReadmitsFromTheCheckpointBeforePendingResizes() {
        Pod a = burstable("a", 1000, MI);
        Pod b = burstable("b", 2500, MI);
        manager.admitNewPod(a);
        manager.admitNewPod(b);
        Pod aGrown = resized(a, "cpu=1500m,memory=1Mi", "");
        manager.requestResize(aGrown);
        Pod bGrown = resized(b, "cpu=3000m,memory=1Mi", "");
        assertThat(manager.requestResize(bGrown)).isInstanceOf(Deferred.class);

        CommittingManager restarted = new CommittingManager(new AllocationManager(manager.nodeConfig(), clock,
                ResizeJournal.open(stateDir)));
        Map<PodUid, AdmissionDecision> decisions = restarted.restore(List.of(bGrown, aGrown));

        assertThat(restarted.allocated(a.uid()).orElseThrow().sameResources(aGrown.resources())).isTrue();
        assertThat(restarted.allocated(b.uid()).orElseThrow().sameResources(b.resources())).isTrue();
        assertThat(decisions).containsOnlyKeys(b.uid());
        assertThat(decisions.get(b.uid())).isInstanceOf(Deferred.class);
        assertThat(restarted.snapshot().used()).isEqualTo(manager.snapshot().used());
    }

    private PodState pending(Pod allocatedPod, String requests, String limits, int priority, Instant since) {
        Pod desired = withPriority(resized(allocatedPod, requests, limits), priority);
        return new PodState(desired, withPriority(allocatedPod, priority), null,
                new Deferred(desired.uid(), desired.generation(), "x"), since);
    }

    static final class FailingJournal extends ResizeJournal {
        boolean fail;
        final List<List<? extends ResizeJournal.Entry>> committed = new java.util.ArrayList<>();

        @Override
        public void commit(List<? extends ResizeJournal.Entry> entries) {
            if (fail) {
                throw new StoreException.Unavailable("cannot write resize state log: No space left on device",
                        new java.io.IOException("No space left on device"));
            }
            if (!entries.isEmpty()) {
                committed.add(List.copyOf(entries));
            }
        }
    }

    static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2025-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
