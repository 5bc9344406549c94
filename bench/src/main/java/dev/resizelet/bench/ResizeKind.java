package dev.resizelet.bench;

/** What one resize of the storm asks for, and so what the agent should decide. */
public enum ResizeKind {
    /** Changes only limits (no request grows): admitted whatever the node's fill. */
    FITS,
    /** Grows requests and limits by one step: admitted while the node has room. */
    UP,
    /** Shrinks requests and limits by one step: admitted, and frees room. */
    DOWN,
    /** Asks for more than is free beside the other pods but less than the node: Deferred. */
    DEFERRED,
    /** Asks for more than the node's allocatable: Infeasible. */
    INFEASIBLE;

    /** The spelling used in {@code --mix}: {@code fits}, {@code up}, ... */
    public String flagName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether the agent should admit and enact it (as opposed to deciding Deferred or Infeasible). */
    public boolean admitted() {
        return this == FITS || this == UP || this == DOWN;
    }
}
