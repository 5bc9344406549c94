package dev.resizelet.core.runtime;

import dev.resizelet.core.model.PodUid;

/** Hears what the runtime side did; called on enactment threads, must not block. */
public interface RuntimeListener {
    /** Something in the pod's runtime view changed (started, resized, status read, error). */
    default void changed(PodUid podUid) {
    }

    /**
     * actuated == allocated for {@code generation} and the runtime's status was read after the last change;
     * {@link #changed} follows.
     */
    default void resizeCompleted(PodUid podUid, long generation) {
    }

    /** The pod's containers, sandbox and cgroup are gone. */
    default void removed(PodUid podUid) {
    }

    /** A RestartContainer resize is stopping {@code container} to start it again with its new resources. */
    default void restarting(PodUid podUid, String container) {
    }

    /** A pass failed; {@code message} is the runtime's or the usage guard's. */
    default void resizeFailed(PodUid podUid, String message) {
    }
}
