package dev.resizelet.core.admission;

import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodResources;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the allocation owner knows about one pod, as an immutable value other threads may read.
 *
 * @param desired      the newest spec handed to admission
 * @param allocated    the desired spec with the allocated resources applied; null if never admitted
 * @param actuated     what enactment last applied successfully; null if nothing yet
 * @param lastDecision the decision about {@code desired}; null only before any
 * @param pendingSince when the current resize was first deferred; null unless deferred
 */
public record PodState(Pod desired, Pod allocated, PodResources actuated, AdmissionDecision lastDecision,
        Instant pendingSince) {

    public PodState {
        Objects.requireNonNull(desired, "desired");
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

    PodState withActuated(PodResources newActuated) {
        return new PodState(desired, allocated, newActuated, lastDecision, pendingSince);
    }
}
