package dev.resizelet.core.runtime;

import dev.resizelet.core.enact.ResourceValues;
import java.util.Map;

/**
 * What the runtime side knows of a pod, for status: the running pod (null until it started), the actuated
 * values, and the error that ended the last enactment pass (null when it succeeded).
 *
 * @param resizing true while actuated differs from allocated
 * @param lastError the runtime's (or the usage guard's) message, for {@code PodResizeInProgress} reason Error
 */
public record PodRuntimeView(RunningPod running, long generation, Map<String, ResourceValues> actuated,
        boolean resizing, String lastError) {
    public PodRuntimeView {
        actuated = Map.copyOf(actuated);
    }
}
