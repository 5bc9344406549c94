package dev.resizelet.core.agent;

import dev.resizelet.core.admission.AdmissionDecision;
import dev.resizelet.core.admission.Deferred;
import dev.resizelet.core.admission.Infeasible;
import dev.resizelet.core.admission.PodState;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodStatus.Condition;
import dev.resizelet.core.api.PodStatus.ContainerStatus;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceNames;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.core.runtime.ModelTargets;
import dev.resizelet.core.runtime.PodRuntimeView;
import dev.resizelet.core.runtime.RunningContainer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Computes a pod's status from the three views the agent keeps apart (DESIGN §2, §4): the desired
 * spec (store), the allocation state (admission), and what the runtime did and reports (enactment).
 * Pure apart from the clock, which only stamps conditions that changed.
 */
public final class StatusComposer {
    private final Clock clock;
    private final String runtimeName;

    public StatusComposer(Clock clock, String runtimeName) {
        this.clock = clock;
        this.runtimeName = runtimeName == null || runtimeName.isEmpty() ? "cri" : runtimeName;
    }

    /**
     * @param desired the stored spec, at generation {@code generation}
     * @param state the allocation state, or null before admission looked at the pod
     * @param view the runtime's view, or null before enactment started
     * @param previous the last status, whose condition timestamps are kept when nothing changed
     */
    public PodStatus compose(Pod desired, long generation, PodState state, PodRuntimeView view, PodStatus previous) {
        Pod allocated = state == null ? null : state.allocated();
        AdmissionDecision decision = state == null ? null : state.lastDecision();
        long observed = state == null ? 0 : state.desired().generation();

        if (allocated == null && decision instanceof Infeasible inf) {
            return new PodStatus("Failed", inf.reason(), inf.message(), desired.qosClass(), null, List.of(),
                    observed, containers(desired, null, null));
        }
        List<Condition> conditions = new ArrayList<>(2);
        String resize = null;
        if (allocated != null && observed < generation) {
            resize = "Proposed";
        } else if (decision instanceof Deferred d && allocated != null) {
            resize = "Deferred";
            conditions.add(condition(PodStatus.RESIZE_PENDING, "Deferred", d.message(), observed, previous));
        } else if (decision instanceof Infeasible i && allocated != null) {
            resize = "Infeasible";
            conditions.add(condition(PodStatus.RESIZE_PENDING, "Infeasible", i.message(), observed, previous));
        }
        if (allocated != null && view != null && view.running() != null && !actuatedMatches(allocated, view)) {
            String error = view.lastError();
            conditions.add(condition(PodStatus.RESIZE_IN_PROGRESS, error == null ? null : "Error", error,
                    observed, previous));
            if (resize == null) {
                resize = "InProgress";
            }
        }
        boolean running = view != null && view.running() != null && !view.running().containers().isEmpty()
                && view.running().containers().stream().allMatch(RunningContainer::running);
        return new PodStatus(running ? "Running" : "Pending", null, null, desired.qosClass(), resize, conditions,
                observed, containers(desired, allocated, view));
    }

    /** Allocated == actuated for every container (DESIGN §4: in progress while they differ). */
    private static boolean actuatedMatches(Pod allocated, PodRuntimeView view) {
        for (Container c : allocated.resizableContainers()) {
            if (!ModelTargets.values(c.resources()).equals(view.actuated().get(c.name()))) {
                return false;
            }
        }
        return !view.resizing();
    }

    private Condition condition(String type, String reason, String message, long observedGeneration, PodStatus previous) {
        Condition fresh = new Condition(type, "True", reason, message, observedGeneration, clock.instant());
        if (previous != null) {
            for (Condition old : previous.conditions()) {
                if (old.type().equals(type) && old.status().equals("True")) {
                    // Kubernetes keeps lastTransitionTime while the condition's status stays the same
                    return new Condition(type, "True", reason, message, observedGeneration, old.lastTransitionTime());
                }
            }
        }
        return fresh;
    }

    private List<ContainerStatus> containers(Pod desired, Pod allocated, PodRuntimeView view) {
        Map<String, Container> alloc = new LinkedHashMap<>();
        if (allocated != null) {
            allocated.containers().forEach(c -> alloc.put(c.name(), c));
        }
        List<ContainerStatus> out = new ArrayList<>(desired.containers().size());
        for (Container c : desired.containers()) {
            Container a = alloc.get(c.name());
            RunningContainer rc = view == null || view.running() == null ? null
                    : view.running().container(c.name()).orElse(null);
            ResourceRequirements allocatedRequests = a == null ? null
                    : new ResourceRequirements(a.resources().requests(), Map.of());
            ResourceRequirements resources = rc != null && rc.actual() != null ? requirements(rc.actual())
                    : a == null ? null : a.resources();
            boolean isRunning = rc != null && rc.running() && !rc.containerId().isEmpty();
            out.add(new ContainerStatus(c.name(),
                    rc == null || rc.containerId().isEmpty() ? null : runtimeName + "://" + rc.containerId(),
                    c.image(), isRunning, rc == null ? 0 : rc.restartCount(),
                    isRunning ? "running" : "waiting", isRunning ? null : "ContainerCreating",
                    rc == null ? null : rc.startedAt(), allocatedRequests, resources));
        }
        return out;
    }

    /** Runtime values back to Kubernetes resources; unset (0) values are left out. */
    static ResourceRequirements requirements(ResourceValues v) {
        Map<String, Quantity> requests = new LinkedHashMap<>();
        Map<String, Quantity> limits = new LinkedHashMap<>();
        if (v.cpuRequestMilli() > 0) {
            requests.put(ResourceNames.CPU, Quantity.ofMillis(v.cpuRequestMilli()));
        }
        if (v.memoryRequestBytes() > 0) {
            requests.put(ResourceNames.MEMORY, Quantity.ofBytes(v.memoryRequestBytes()));
        }
        if (v.cpuLimitMilli() > 0) {
            limits.put(ResourceNames.CPU, Quantity.ofMillis(v.cpuLimitMilli()));
        }
        if (v.memoryLimitBytes() > 0) {
            limits.put(ResourceNames.MEMORY, Quantity.ofBytes(v.memoryLimitBytes()));
        }
        return new ResourceRequirements(requests, limits);
    }
}
