package dev.resizelet.core.admission;

/**
 * Told about every admission decision, on the loop thread, after the state is published. Must not
 * block: hand work (enactment, status updates) to another executor.
 */
@FunctionalInterface
public interface AllocationListener {

    void onDecision(AdmissionDecision decision, PodState state);
}
