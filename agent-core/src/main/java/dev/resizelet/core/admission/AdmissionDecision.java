package dev.resizelet.core.admission;

import dev.resizelet.core.model.PodUid;

/** The outcome of admitting a new pod or a resize. Switch over it exhaustively. */
public sealed interface AdmissionDecision permits Admitted, Deferred, Infeasible {

    PodUid uid();

    /** The generation of the desired spec the decision is about. */
    long generation();
}
