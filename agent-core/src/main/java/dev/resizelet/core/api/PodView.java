package dev.resizelet.core.api;

import static java.util.Objects.requireNonNull;

import dev.resizelet.core.model.Pod;
import java.time.Instant;

/**
 * A pod as the API shows it: the desired spec, the status, and the object's versions; while a graceful deletion is
 * under way, {@code deletionTimestamp} (when the grace period ends) and {@code deletionGracePeriodSeconds}, else null.
 */
public record PodView(Pod spec, PodStatus status, long resourceVersion, long generation, Instant creationTimestamp,
                      Instant deletionTimestamp, Long deletionGracePeriodSeconds) {
    public PodView {
        requireNonNull(spec, "spec");
        requireNonNull(status, "status");
        requireNonNull(creationTimestamp, "creationTimestamp");
        if ((deletionTimestamp == null) != (deletionGracePeriodSeconds == null)) {
            throw new IllegalArgumentException("deletionTimestamp and deletionGracePeriodSeconds go together");
        }
    }

    /** A pod that is not being deleted. */
    public PodView(Pod spec, PodStatus status, long resourceVersion, long generation, Instant creationTimestamp) {
        this(spec, status, resourceVersion, generation, creationTimestamp, null, null);
    }

    /** True while a graceful deletion is under way (kubectl shows Terminating). */
    public boolean terminating() {
        return deletionTimestamp != null;
    }
}
