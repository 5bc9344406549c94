package dev.resizelet.core.model;

/** {@code resizePolicy[].restartPolicy}: how a changed resource is applied to a running container. */
public enum ResizeRestartPolicy {
    NOT_REQUIRED("NotRequired"),
    RESTART_CONTAINER("RestartContainer");

    private final String wireName;

    ResizeRestartPolicy(String wireName) {
        this.wireName = wireName;
    }

    /** The name in the Kubernetes API, e.g. {@code NotRequired}. */
    public String wireName() {
        return wireName;
    }

    /** Parses the API name; throws IllegalArgumentException with the supported values otherwise. */
    public static ResizeRestartPolicy fromWireName(String name) {
        for (ResizeRestartPolicy p : values()) {
            if (p.wireName.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException(
                "Unsupported value: \"" + name + "\": supported values: \"NotRequired\", \"RestartContainer\"");
    }
}
