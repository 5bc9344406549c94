package dev.resizelet.core.admission;

import dev.resizelet.core.model.PodUid;
import java.util.Objects;

/** Fits the node, but not beside the other pods now; queued and retried. */
public record Deferred(PodUid uid, long generation, String message) implements AdmissionDecision {

    public static final String REASON = "Deferred";

    public Deferred {
        Objects.requireNonNull(message, "message");
    }
}
