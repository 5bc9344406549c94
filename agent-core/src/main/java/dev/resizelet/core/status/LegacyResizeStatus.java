package dev.resizelet.core.status;

/** The 1.27 {@code status.resize} field; absent (Optional.empty) when no resize is under way. */
public enum LegacyResizeStatus {
    PROPOSED("Proposed"),
    IN_PROGRESS("InProgress"),
    DEFERRED("Deferred"),
    INFEASIBLE("Infeasible");

    private final String wireName;

    LegacyResizeStatus(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
