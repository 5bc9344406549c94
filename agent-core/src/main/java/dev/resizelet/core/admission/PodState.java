package dev.resizelet.core.admission;

import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.ResourceVector;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One pod's resize record, as the allocation owner last committed it: an immutable value other threads read.
 * The owner is the only writer of every field (DESIGN §2: desired, allocated, actuated, decision, last error).
 *
 * @param desired      the newest spec handed to admission
 * @param allocated    the desired spec with the allocated resources applied; null if never admitted
 * @param actuated     what enactment last applied successfully; null if nothing yet
 * @param lastDecision the decision about {@code desired}; null only before any
 * @param pendingSince when the current resize was first deferred; null unless deferred
 * @param enactError   the error that ended the last enactment pass; null when the last pass succeeded
 * @param allocatedRequests the allocated pod's effective requests, computed once (admission reads it per decision)
 */
public record PodState(Pod desired, Pod allocated, PodResources actuated, AdmissionDecision lastDecision,
        Instant pendingSince, String enactError, ResourceVector allocatedRequests) {

    public PodState {
        Objects.requireNonNull(desired, "desired");
        if (allocatedRequests == null) {
            allocatedRequests = allocated == null ? ResourceVector.ZERO : allocated.requests();
        }
    }

    public PodState(Pod desired, Pod allocated, PodResources actuated, AdmissionDecision lastDecision,
            Instant pendingSince) {
        this(desired, allocated, actuated, lastDecision, pendingSince, null, null);
    }

    public Optional<PodResources> allocatedResources() {
        return Optional.ofNullable(allocated).map(Pod::resources);
    }

    public boolean isDeferred() {
        return lastDecision instanceof Deferred;
    }

    public boolean isInfeasible() {
        return lastDecision instanceof Infeasible;
    }

    PodState withActuated(PodResources newActuated, String error) {
        return new PodState(desired, allocated, newActuated, lastDecision, pendingSince, error, allocatedRequests);
    }

    /** The same allocation (its cached requests kept) rebased on a new desired spec, with a new decision. */
    PodState withDecision(Pod newDesired, AdmissionDecision decision, Instant since) {
        Pod rebased = allocated == null ? null : newDesired.withResources(allocated.resources());
        return new PodState(newDesired, rebased, actuated, decision, since, enactError, allocatedRequests);
    }
}
