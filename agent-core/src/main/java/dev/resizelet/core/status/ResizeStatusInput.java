package dev.resizelet.core.status;

import dev.resizelet.core.admission.AdmissionDecision;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodResources;
import java.util.Objects;

/**
 * Everything the status of one pod's resize depends on.
 *
 * @param desired      the pod spec as the user asked for it
 * @param allocated    admitted resources, null if the pod was never admitted
 * @param actuated     resources enactment last applied, null if none yet
 * @param lastDecision admission's decision about {@code desired}, null if not yet looked at
 * @param lastError    the last enactment error text, null if the last pass succeeded
 */
public record ResizeStatusInput(Pod desired, PodResources allocated, PodResources actuated,
        AdmissionDecision lastDecision, String lastError) {

    public ResizeStatusInput {
        Objects.requireNonNull(desired, "desired");
    }
}
