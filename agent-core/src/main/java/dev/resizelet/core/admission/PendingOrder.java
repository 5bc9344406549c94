package dev.resizelet.core.admission;

import dev.resizelet.core.model.QosClass;
import dev.resizelet.core.model.ResourceVector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * The kubelet's order for retrying deferred resizes: resizes that do not increase requests first,
 * then higher {@code spec.priority}, then Guaranteed before Burstable, then the longest pending.
 */
final class PendingOrder {

    private PendingOrder() {
    }

    /**
     * A deferred pod with its sort keys and desired requests computed once: a retry sorts the queue and decides each pod,
     * and the requests and QoS class are sums over containers (computing them per comparison made the sort the owner's
     * largest cost under a resize storm).
     */
    record Queued(PodState state, ResourceVector want, boolean increasing, int priority, int qosRank, Instant since,
            String uid) {
        static Queued of(PodState s) {
            ResourceVector want = s.desired().requests();
            return new Queued(s, want, AdmissionRules.isIncreasing(s.allocatedRequests(), want), s.desired().priority(),
                    s.allocated().qosClass() == QosClass.GUARANTEED ? 0 : 1, s.pendingSince(), s.desired().uid().value());
        }
    }

    static final Comparator<Queued> KEYS = Comparator
            .comparing(Queued::increasing)
            .thenComparing(Comparator.comparingInt(Queued::priority).reversed())
            .thenComparingInt(Queued::qosRank)
            .thenComparing(Queued::since)
            .thenComparing(Queued::uid);

    /** The pods in retry order, each with its desired requests. */
    static List<Queued> order(Collection<PodState> deferred) {
        List<Queued> queue = new ArrayList<>(deferred.size());
        for (PodState s : deferred) {
            queue.add(Queued.of(s));
        }
        queue.sort(KEYS);
        return queue;
    }

    /** The same order on the records themselves (tests, a few pods). */
    static final Comparator<PodState> ORDER = Comparator.comparing(Queued::of, KEYS);
}
