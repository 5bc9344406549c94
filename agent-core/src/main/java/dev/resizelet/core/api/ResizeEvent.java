package dev.resizelet.core.api;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * An event a user can list, about one pod: ResizeStarted, ResizeDeferred, ResizeInfeasible,
 * ResizeCompleted, ResizeError.
 *
 * @param type Normal or Warning
 */
public record ResizeEvent(long sequence, String namespace, String podName, String podUid, String type,
        String reason, String message, Instant time) {
    public ResizeEvent {
        requireNonNull(namespace, "namespace");
        requireNonNull(podName, "podName");
        requireNonNull(reason, "reason");
        requireNonNull(time, "time");
    }
}
