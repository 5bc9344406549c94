package dev.resizelet.core.status;

import dev.resizelet.core.model.PodUid;
import java.time.Instant;

/**
 * An event a user can list for a pod ({@code kubectl get events}), with the kubelet's reason and type (Deferred and
 * Infeasible are both Warnings, as the allocation manager records them); texts come from {@link ResizeEventMessages}.
 */
public record ResizeEvent(PodUid uid, String podKey, Type type, String message, Instant time) {

    public enum Type {
        RESIZE_STARTED("ResizeStarted", "Normal"),
        RESIZE_DEFERRED("ResizeDeferred", "Warning"),
        RESIZE_INFEASIBLE("ResizeInfeasible", "Warning"),
        RESIZE_COMPLETED("ResizeCompleted", "Normal"),
        RESIZE_ERROR("ResizeError", "Warning");

        private final String reason;
        private final String eventType;

        Type(String reason, String eventType) {
            this.reason = reason;
            this.eventType = eventType;
        }

        /** The event's {@code reason}, e.g. {@code ResizeDeferred}. */
        public String reason() {
            return reason;
        }

        /** {@code Normal} or {@code Warning}. */
        public String eventType() {
            return eventType;
        }
    }
}
