package dev.resizelet.core.api;

import dev.resizelet.core.status.PodCondition;

import static java.util.Objects.requireNonNull;

import dev.resizelet.core.model.QosClass;
import dev.resizelet.core.model.ResourceRequirements;
import java.time.Instant;
import java.util.List;

/**
 * The status the agent reports for a pod, in the Kubernetes API's terms (DESIGN §4).
 *
 * @param phase Pending, Running or Failed
 * @param reason why the pod failed (e.g. {@code OutOfcpu}), or null
 * @param resize the 1.27 {@code status.resize} value (Proposed, InProgress, Deferred, Infeasible) or null when done
 * @param observedGeneration the spec generation the agent's decisions reflect
 */
public record PodStatus(String phase, String reason, String message, QosClass qosClass, String resize,
        List<PodCondition> conditions, long observedGeneration, List<ContainerStatus> containerStatuses) {
    public PodStatus {
        requireNonNull(phase, "phase");
        conditions = List.copyOf(conditions);
        containerStatuses = List.copyOf(containerStatuses);
    }

    /**
     * One container's status.
     *
     * @param containerId {@code <runtime>://<id>}, or null before it runs
     * @param state running, waiting or terminated
     * @param allocatedResources the allocated requests (what admission accepted), or null before admission
     * @param resources requests and limits as the runtime reports them (allocated values until it runs)
     */
    public record ContainerStatus(String name, String containerId, String image, boolean ready, int restartCount,
            String state, String stateReason, Instant startedAt, ResourceRequirements allocatedResources,
            ResourceRequirements resources) {
        public ContainerStatus {
            requireNonNull(name, "name");
            requireNonNull(state, "state");
        }
    }

    public static final String RESIZE_PENDING = "PodResizePending";
    public static final String RESIZE_IN_PROGRESS = "PodResizeInProgress";
}
