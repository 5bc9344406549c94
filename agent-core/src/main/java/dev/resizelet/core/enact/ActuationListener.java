package dev.resizelet.core.enact;

/**
 * Told after each step the runtime accepted, so the actuated checkpoint holds exactly what was applied
 * (DESIGN §7) and status can be refreshed at once (no waiting for a relist).
 */
public interface ActuationListener {
    /** The container now runs with {@code values}. */
    void actuated(String container, ResourceValues values);

    /** A RestartContainer resize removed the container; it has no id until it is recreated. */
    void removed(String container);

    /**
     * A RestartContainer resize is about to create the container anew with {@code values}: the listener makes that
     * durable first, so a crash right after the restart does not restart it a second time.
     */
    default void beforeRecreate(String container, ResourceValues values) {
    }

    /** A RestartContainer resize created and started the container anew with {@code values}. */
    void recreated(String container, String newContainerId, ResourceValues values);

    /** The pod cgroup took new values. */
    default void podCgroupWritten(Resource resource) {
    }
}
