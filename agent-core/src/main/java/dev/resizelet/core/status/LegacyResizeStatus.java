package dev.resizelet.core.status;

import java.util.Optional;

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

    /** The value written as {@code wireName}; empty for null or anything else. */
    public static Optional<LegacyResizeStatus> ofWireName(String wireName) {
        for (LegacyResizeStatus s : VALUES) {
            if (s.wireName.equals(wireName)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    private static final LegacyResizeStatus[] VALUES = values();
}
