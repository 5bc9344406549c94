package dev.resizelet.core.status;

import java.time.Instant;
import java.util.Objects;

/** A pod condition as the agent reports it ({@code status.conditions[]}). Reason/message may be empty. */
public record PodCondition(String type, String status, String reason, String message, long observedGeneration,
        Instant lastTransitionTime) {

    public static final String RESIZE_PENDING = "PodResizePending";
    public static final String RESIZE_IN_PROGRESS = "PodResizeInProgress";

    public PodCondition {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(status, "status");
        reason = reason == null ? "" : reason;
        message = message == null ? "" : message;
        Objects.requireNonNull(lastTransitionTime, "lastTransitionTime");
    }

    boolean sameState(PodCondition o) {
        return o != null && type.equals(o.type) && status.equals(o.status) && reason.equals(o.reason);
    }
}
