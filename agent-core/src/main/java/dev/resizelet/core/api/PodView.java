package dev.resizelet.core.api;

import static java.util.Objects.requireNonNull;

import dev.resizelet.core.model.Pod;
import java.time.Instant;

/** A pod as the API shows it: the desired spec, the status, and the object's versions. */
public record PodView(Pod spec, PodStatus status, long resourceVersion, long generation, Instant creationTimestamp) {
    public PodView {
        requireNonNull(spec, "spec");
        requireNonNull(status, "status");
        requireNonNull(creationTimestamp, "creationTimestamp");
    }
}
