package dev.resizelet.core.admission;

import dev.resizelet.core.model.PodUid;
import java.util.Objects;

/**
 * Can never be admitted on this node as asked; not retried until the spec changes. {@code reason}
 * is {@code Infeasible} for resizes and the kubelet's rejection reason for new pods
 * ({@code OutOfcpu}, {@code OutOfmemory}, {@code OutOfpods}).
 */
public record Infeasible(PodUid uid, long generation, String reason, String message) implements AdmissionDecision {

    public static final String REASON = "Infeasible";

    public Infeasible {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
    }
}
