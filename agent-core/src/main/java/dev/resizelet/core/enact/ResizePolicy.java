package dev.resizelet.core.enact;

/** A container's {@code resizePolicy.restartPolicy} for one resource. */
public enum ResizePolicy {
    /** Update the running container in place (the default). */
    NOT_REQUIRED,
    /** Stop and recreate the container with the new values (restartCount + 1). */
    RESTART_CONTAINER
}
