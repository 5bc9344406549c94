package dev.resizelet.core.runtime;

/** Hears what the runtime side did; called on enactment threads, must not block. */
public interface RuntimeListener {
    /** Something in the pod's runtime view changed (started, resized, status read, error). */
    default void changed(String podUid) {
    }

    /**
     * actuated == allocated for {@code generation} and the runtime's status was read after the last change;
     * {@link #changed} follows.
     */
    default void resizeCompleted(String podUid, long generation) {
    }

    /** The pod's containers, sandbox and cgroup are gone. */
    default void removed(String podUid) {
    }

    /** A RestartContainer resize is stopping {@code container} to start it again with its new resources. */
    default void restarting(String podUid, String container) {
    }

    /** A pass failed; {@code message} is the runtime's or the usage guard's. */
    default void resizeFailed(String podUid, String message) {
    }
}
