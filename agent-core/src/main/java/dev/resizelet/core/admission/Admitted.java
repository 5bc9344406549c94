package dev.resizelet.core.admission;

import dev.resizelet.core.model.PodUid;

/** The desired resources are now the allocated ones (and checkpointed). */
public record Admitted(PodUid uid, long generation) implements AdmissionDecision {
}
