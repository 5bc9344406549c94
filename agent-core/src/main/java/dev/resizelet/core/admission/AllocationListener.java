package dev.resizelet.core.admission;

import dev.resizelet.core.model.PodUid;

/**
 * Told on the owner thread, after a batch is durable: every admission decision of the batch, then every pod whose
 * committed record changed in a way its status can show. Must not block: hand work (enactment, status) to another
 * thread.
 */
public interface AllocationListener {

    void onDecision(AdmissionDecision decision, PodState state);

    /**
     * The pod's committed record changed ({@code state} null: the pod is gone). Not told when a pass only recorded the
     * values the runtime accepted (same error as before): the status shows the runtime's view of them when the pass
     * ends (one status composition per resize less).
     */
    default void onCommitted(PodUid uid, PodState state) {
    }
}
