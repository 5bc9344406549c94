package dev.resizelet.core.status;

import dev.resizelet.core.model.PodUid;
import java.time.Instant;
import java.util.Objects;

/**
 * An event a user can list for a pod ({@code kubectl get events}), with the kubelet's reason and type (Deferred and
 * Infeasible are both Warnings, as the allocation manager records them); texts come from {@link ResizeEventMessages}.
 */
public record ResizeEvent(long sequence, String namespace, String podName, PodUid uid, Type type, String message,
        Instant time) {

    public ResizeEvent {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(podName, "podName");
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(time, "time");
    }

    /** The event's {@code reason}, e.g. {@code ResizeDeferred}. */
    public String reason() {
        return type.reason();
    }

    /** {@code Normal} or {@code Warning}. */
    public String eventType() {
        return type.eventType();
    }

    /** {@code namespace/name}, for logs. */
    public String podKey() {
        return namespace + "/" + podName;
    }

    /** The same event as recorded: numbered in the order the agent recorded its events. */
    public ResizeEvent withSequence(long n) {
        return new ResizeEvent(n, namespace, podName, uid, type, message, time);
    }

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
