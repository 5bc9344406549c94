package dev.resizelet.core.api;

import dev.resizelet.core.status.PodCondition;

import static java.util.Objects.requireNonNull;

import dev.resizelet.core.model.QosClass;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The status the agent reports for a pod, in the Kubernetes API's terms (DESIGN §4).
 *
 * @param phase Pending, Running, Succeeded or Failed
 * @param reason why the pod failed (e.g. {@code OutOfcpu}), or null
 * @param resize the 1.27 {@code status.resize} value (Proposed, InProgress, Deferred, Infeasible) or null when done
 * @param observedGeneration the spec generation the agent's decisions reflect
 * @param initContainerStatuses one per init container (sidecars included), in spec order
 * @param allocatedResources pod-level {@code status.allocatedResources} (KEP-5419): the allocated pod-level requests,
 *     or the containers' aggregate where a resource has none; null for a pod without pod-level resources
 * @param resources pod-level {@code status.resources}: the pod-level requests and limits applied to the pod cgroup;
 *     null for a pod without pod-level resources
 */
public record PodStatus(String phase, String reason, String message, QosClass qosClass, String resize,
        List<PodCondition> conditions, long observedGeneration, List<ContainerStatus> containerStatuses,
        List<ContainerStatus> initContainerStatuses, Map<String, Quantity> allocatedResources,
        ResourceRequirements resources) {
    public PodStatus {
        requireNonNull(phase, "phase");
        conditions = List.copyOf(conditions);
        containerStatuses = List.copyOf(containerStatuses);
        initContainerStatuses = List.copyOf(initContainerStatuses == null ? List.of() : initContainerStatuses);
        allocatedResources = allocatedResources == null ? null : Map.copyOf(allocatedResources);
    }

    /** A status without pod-level resources. */
    public PodStatus(String phase, String reason, String message, QosClass qosClass, String resize,
            List<PodCondition> conditions, long observedGeneration, List<ContainerStatus> containerStatuses,
            List<ContainerStatus> initContainerStatuses) {
        this(phase, reason, message, qosClass, resize, conditions, observedGeneration, containerStatuses,
                initContainerStatuses, null, null);
    }

    /** A status of a pod without init containers. */
    public PodStatus(String phase, String reason, String message, QosClass qosClass, String resize,
            List<PodCondition> conditions, long observedGeneration, List<ContainerStatus> containerStatuses) {
        this(phase, reason, message, qosClass, resize, conditions, observedGeneration, containerStatuses, List.of());
    }

    /**
     * How a container's process ended ({@code state.terminated}, {@code lastState.terminated}).
     *
     * @param reason the runtime's: Completed (exit 0) or Error
     */
    public record Terminated(int exitCode, String reason, Instant startedAt, Instant finishedAt, String containerId) {
    }

    /**
     * One container's status.
     *
     * @param containerId {@code <runtime>://<id>}, or null before it runs
     * @param state running, waiting or terminated
     * @param stateReason the waiting reason (ContainerCreating, PodInitializing, CrashLoopBackOff) or the terminated one
     * @param allocatedResources the allocated requests (what admission accepted), or null before admission
     * @param resources requests and limits as the runtime reports them (allocated values until it runs)
     * @param started the API's {@code started}: running (there are no startup probes)
     * @param terminated while {@code state} is terminated, how; else null
     * @param lastState how the previous instance ended (after a restart), or null
     * @param stateMessage the waiting message (e.g. the back-off), or null
     */
    public record ContainerStatus(String name, String containerId, String image, boolean ready, int restartCount,
            String state, String stateReason, Instant startedAt, ResourceRequirements allocatedResources,
            ResourceRequirements resources, boolean started, Terminated terminated, Terminated lastState,
            String stateMessage) {
        public ContainerStatus {
            requireNonNull(name, "name");
            requireNonNull(state, "state");
        }

        /** A status without an exit: running or waiting. */
        public ContainerStatus(String name, String containerId, String image, boolean ready, int restartCount,
                String state, String stateReason, Instant startedAt, ResourceRequirements allocatedResources,
                ResourceRequirements resources) {
            this(name, containerId, image, ready, restartCount, state, stateReason, startedAt, allocatedResources,
                    resources, "running".equals(state), null, null, null);
        }
    }

    public static final String RESIZE_PENDING = "PodResizePending";
    public static final String RESIZE_IN_PROGRESS = "PodResizeInProgress";
}
