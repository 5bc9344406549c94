package dev.resizelet.core.admission;

import dev.resizelet.core.model.PodUid;

/**
 * Told on the owner thread, after a batch is durable: every admission decision of the batch, then every pod whose
 * committed record changed. Must not block: hand work (enactment, status) to another thread.
 */
public interface AllocationListener {

    void onDecision(AdmissionDecision decision, PodState state);

    /** The pod's committed record changed ({@code state} null: the pod is gone). */
    default void onCommitted(PodUid uid, PodState state) {
    }
}
