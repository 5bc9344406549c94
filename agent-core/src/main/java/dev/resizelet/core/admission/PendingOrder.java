package dev.resizelet.core.admission;

import dev.resizelet.core.model.QosClass;
import java.util.Comparator;

/**
 * The kubelet's order for retrying deferred resizes: resizes that do not increase requests first,
 * then higher {@code spec.priority}, then Guaranteed before Burstable, then the longest pending.
 */
final class PendingOrder {

    private PendingOrder() {
    }

    static final Comparator<PodState> ORDER = Comparator
            .comparing(PendingOrder::increasing)
            .thenComparing(Comparator.comparingInt((PodState s) -> s.desired().priority()).reversed())
            .thenComparing(s -> s.allocated().qosClass() == QosClass.GUARANTEED ? 0 : 1)
            .thenComparing(PodState::pendingSince)
            .thenComparing(s -> s.desired().uid());

    private static boolean increasing(PodState s) {
        return AdmissionRules.isIncreasing(s.allocated().requests(), s.desired().requests());
    }
}
