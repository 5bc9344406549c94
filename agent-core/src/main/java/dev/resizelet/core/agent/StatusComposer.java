package dev.resizelet.core.agent;

import dev.resizelet.core.admission.AdmissionDecision;
import dev.resizelet.core.admission.Admitted;
import dev.resizelet.core.admission.Infeasible;
import dev.resizelet.core.admission.PodState;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodStatus.ContainerStatus;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.QosClass;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceNames;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.core.model.ResourceVector;
import dev.resizelet.core.runtime.PodRuntimeView;
import dev.resizelet.core.runtime.PodTarget;
import dev.resizelet.core.runtime.RunningContainer;
import dev.resizelet.core.runtime.RunningPod;
import dev.resizelet.core.runtime.StatusResources;
import dev.resizelet.core.status.LegacyResizeStatus;
import dev.resizelet.core.status.ResizeEvent;
import dev.resizelet.core.status.ResizeStatus;
import dev.resizelet.core.status.ResizeStatusCalculator;
import dev.resizelet.core.status.ResizeStatusInput;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/**
 * A pod's full status from the three views the agent keeps apart (DESIGN §2, §4): the desired spec
 * (store), the allocation state (admission) and what the runtime did and reports (enactment). The
 * resize part (status.resize, conditions, events) is {@link ResizeStatusCalculator}'s; this class adds
 * the phase and the container statuses, with {@code resources} as the runtime reports them.
 */
public final class StatusComposer {
    private final Clock clock;
    private final String runtimeName;

    /** The new status and the resize events its change from the previous one produced. */
    public record Composed(PodStatus status, List<ResizeEvent> events) {
    }

    public StatusComposer(Clock clock, String runtimeName) {
        this.clock = clock;
        this.runtimeName = runtimeName == null || runtimeName.isEmpty() ? "cri" : runtimeName;
    }

    /**
     * @param desired the stored spec (its generation is the newest)
     * @param state the allocation state, or null before admission looked at the pod
     * @param view the runtime's view, or null before enactment started
     * @param previous the last status (null at first), whose condition times are kept while they hold
     */
    public Composed compose(Pod desired, PodState state, PodRuntimeView view, PodStatus previous) {
        return compose(desired, state, view, previous, view == null || view.running() == null ? null
                : view.actuated(), view != null && view.resizing());
    }

    /**
     * After a restart, before the runtime was read (the listing and adoption run after ready when a clean stop left
     * the statuses, {@code StatusSnapshot}): the last published status, with what the agent's own records decide
     * composed anew ({@code allocatedResources}, the resize status against the recorded actuated values, the
     * conditions), and what only the runtime knows (phase, container states and ids, actual resources) as it was last
     * reported, as the apiserver keeps a pod's status while its kubelet restarts.
     */
    public Composed composeUnread(Pod desired, PodState state, Map<String, ResourceValues> recordedActuated,
            PodStatus previous) {
        requireNonNull(previous, "previous");
        if (settledAsLeft(desired, state, previous)) {
            return new Composed(previous, List.of());
        }
        Composed fresh = compose(desired, state, null, previous, recordedActuated, false);
        PodStatus s = fresh.status();
        if (s == previous || state != null && state.allocated() == null) {
            return fresh; // refused (Failed, as the agent decided) or not admitted yet: nothing of the runtime's to keep
        }
        PodStatus kept = new PodStatus(previous.phase(), previous.reason(), previous.message(), s.qosClass(),
                s.resize(), s.conditions(), s.observedGeneration(),
                asReported(s.containerStatuses(), previous.containerStatuses()),
                asReported(s.initContainerStatuses(), previous.initContainerStatuses()), s.allocatedResources(),
                previous.resources());
        return new Composed(StatusSharing.status(previous, kept), fresh.events());
    }

    /**
     * A pod whose status was left running and settled (no resize status, no resize condition, every container's
     * allocation shown) at the spec's generation, and whose allocation is still that spec (the restore re-admitted it
     * as it was, nothing pending): composing would give that status back, so it is served as it is (10,000
     * compositions at a start took 100–300 ms of both cores). Anything else (a status from before the admission, a
     * failed pod) is composed.
     */
    private static boolean settledAsLeft(Pod desired, PodState state, PodStatus previous) {
        if (state == null || state.allocated() != desired || !(state.lastDecision() instanceof Admitted)
                || state.enactError() != null || previous.resize() != null || !previous.conditions().isEmpty()
                || previous.observedGeneration() != desired.generation() || !"Running".equals(previous.phase())
                || previous.containerStatuses().size() != desired.containers().size()) {
            return false;
        }
        for (ContainerStatus c : previous.containerStatuses()) {
            if (c.allocatedResources() == null) {
                return false;
            }
        }
        return true;
    }

    /** The composed statuses with each container's runtime fields as last reported (allocatedResources composed). */
    private static List<ContainerStatus> asReported(List<ContainerStatus> composed, List<ContainerStatus> reported) {
        List<ContainerStatus> out = new ArrayList<>(composed.size());
        for (ContainerStatus c : composed) {
            ContainerStatus r = StatusSharing.named(reported, c.name());
            out.add(r == null ? c : StatusSharing.container(r, new ContainerStatus(r.name(), r.containerId(),
                    r.image(), r.ready(), r.restartCount(), r.state(), r.stateReason(), r.startedAt(),
                    c.allocatedResources(), r.resources(), r.started(), r.terminated(), r.lastState(),
                    r.stateMessage())));
        }
        return StatusSharing.statuses(reported, out);
    }

    /** {@code actuatedValues}: the runtime's or the record's actuated values by container, or null (never ran). */
    private Composed compose(Pod desired, PodState state, PodRuntimeView view, PodStatus previous,
            Map<String, ResourceValues> actuatedValues, boolean resizing) {
        Pod allocated = state == null ? null : state.allocated();
        AdmissionDecision decision = state == null ? null : state.lastDecision();
        if (allocated == null && decision instanceof Infeasible inf) {
            PodStatus failed = new PodStatus("Failed", inf.reason(), inf.message(), qosClass(desired, previous), null, List.of(),
                    desired.generation(), containers(desired, null, null, null),
                    initContainers(desired, null, null, null));
            return new Composed(StatusSharing.status(previous, failed), List.of());
        }
        PodResources allocatedResources = allocated == null ? null : allocated.resources();
        PodResources actuated = actuatedValues == null || allocated == null ? null
                : actuated(allocated, allocatedResources, actuatedValues, resizing);
        ResizeStatusInput input = new ResizeStatusInput(desired, allocatedResources, actuated, decision,
                state == null ? null : state.enactError());
        ResizeStatus before = resizeStatus(previous);
        ResizeStatus after = ResizeStatusCalculator.compute(input, before, clock.instant());
        List<ContainerStatus> apps = containers(desired, allocated, view, previous);
        List<ContainerStatus> inits = initContainers(desired, allocated, view, previous);
        boolean initialized = view != null && view.running() != null && anyCreated(desired, view.running());
        PodStatus status = new PodStatus(PodPhase.of(desired, inits, apps, initialized), null, null,
                qosClass(desired, previous), after.resize().map(LegacyResizeStatus::wireName).orElse(null),
                StatusSharing.conditions(previous == null ? null : previous.conditions(), after.conditions()),
                after.observedGeneration(), apps, inits,
                StatusSharing.quantities(previous == null ? null : previous.allocatedResources(), podAllocated(allocated)),
                StatusSharing.requirements(previous == null ? null : previous.resources(), podResources(allocated, view)));
        return new Composed(StatusSharing.status(previous, status),
                ResizeStatusCalculator.events(input, before, after, clock.instant()));
    }

    /** True when the runtime knows one of the pod's app containers (the init containers are done). */
    private static boolean anyCreated(Pod desired, RunningPod running) {
        for (Container c : desired.containers()) {
            if (running.container(c.name()).isPresent()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The pod's QoS class: the one published before when there is one (the apiserver refuses any resize that would
     * change it, so it is the spec's for the pod's whole life), else computed from the spec (a sum over containers).
     */
    private static QosClass qosClass(Pod desired, PodStatus previous) {
        return previous != null && previous.qosClass() != null ? previous.qosClass() : desired.qosClass();
    }

    /** The first status of a pod nobody has looked at yet. */
    public PodStatus initial(Pod desired) {
        return compose(desired, null, null, null).status();
    }

    /**
     * What the runtime accepted, as resources: the allocated spec with its cpu and memory replaced by the
     * actuated values (other resources are not enacted). Null until the pod ran, so a pod that never
     * started is not "in progress". Only compared by value, never shown: when every value is the allocated one (a
     * settled pod), that is {@code allocatedResources} itself.
     */
    private static PodResources actuated(Pod allocated, PodResources allocatedResources,
            Map<String, ResourceValues> values, boolean resizing) {
        Map<String, ResourceRequirements> containers = new TreeMap<>();
        boolean same = true;
        for (Map.Entry<String, ResourceRequirements> e : allocatedResources.containers().entrySet()) {
            ResourceValues v = values.get(e.getKey());
            if (v == null) {
                return null;
            }
            ResourceRequirements spec = e.getValue();
            // without a limit the container does not set itself: with pod-level resources it runs with the pod-level
            // limit (ModelTargets), which is the pod's, compared at the pod level
            ResourceRequirements applied = overlay(spec, v.cpuRequestMilli(),
                    spec.limit(ResourceNames.CPU) == null ? 0 : v.cpuLimitMilli(), v.memoryRequestBytes(),
                    spec.limit(ResourceNames.MEMORY) == null ? 0 : v.memoryLimitBytes());
            same &= applied == spec;
            containers.put(e.getKey(), applied);
        }
        ResourceValues podLevel = values.get(PodTarget.POD_LEVEL);
        ResourceRequirements pod = podLevel == null ? ResourceRequirements.NONE
                : overlay(allocated.podResources(), podLevel);
        if (resizing) {
            // the engine has not caught up with this allocation yet: not actuated, whatever the numbers say
            return new PodResources(allocated.uid(), allocated.generation(), Map.of(), pod);
        }
        return same && pod.equals(allocatedResources.pod()) ? allocatedResources
                : new PodResources(allocated.uid(), allocated.generation(), containers, pod);
    }

    /**
     * Pod-level {@code status.allocatedResources} as the kubelet reports it (KEP-5419): the allocated pod-level
     * requests, and for cpu or memory without one the containers' aggregate request. Only for a pod with pod-level
     * resources (null otherwise: the field is left out).
     */
    private static Map<String, Quantity> podAllocated(Pod allocated) {
        if (allocated == null || !allocated.hasPodLevelResources()) {
            return null;
        }
        Map<String, Quantity> out = new TreeMap<>(allocated.podResources().requests());
        ResourceVector requests = allocated.requests();
        if (requests.cpuMillis() > 0) {
            out.putIfAbsent(ResourceNames.CPU, Quantity.ofMillis(requests.cpuMillis()));
        }
        if (requests.memoryBytes() > 0) {
            out.putIfAbsent(ResourceNames.MEMORY, Quantity.ofBytes(requests.memoryBytes()));
        }
        return out;
    }

    /**
     * Pod-level {@code status.resources}: the pod-level values the engine applied to the pod cgroup while the pod
     * runs, the allocated ones before. Only for a pod with pod-level resources.
     */
    private static ResourceRequirements podResources(Pod allocated, PodRuntimeView view) {
        if (allocated == null || !allocated.hasPodLevelResources()) {
            return null;
        }
        ResourceValues applied = view == null || view.running() == null ? null
                : view.actuated().get(PodTarget.POD_LEVEL);
        return applied == null ? allocated.podResources() : overlay(allocated.podResources(), applied);
    }

    private static ResourceRequirements overlay(ResourceRequirements spec, ResourceValues v) {
        return overlay(spec, v.cpuRequestMilli(), v.cpuLimitMilli(), v.memoryRequestBytes(), v.memoryLimitBytes());
    }

    /** {@code spec} with cpu and memory from the runtime's values (0: none); {@code spec} itself when they print alike. */
    private static ResourceRequirements overlay(ResourceRequirements spec, long cpuRequest, long cpuLimit,
            long memoryRequest, long memoryLimit) {
        return spec.withCpuMemory(cpuRequest > 0 ? Quantity.ofMillis(cpuRequest) : null,
                memoryRequest > 0 ? Quantity.ofBytes(memoryRequest) : null,
                cpuLimit > 0 ? Quantity.ofMillis(cpuLimit) : null,
                memoryLimit > 0 ? Quantity.ofBytes(memoryLimit) : null);
    }

    /** The calculator's view of a status we published before (only its resize part matters). */
    private static ResizeStatus resizeStatus(PodStatus previous) {
        if (previous == null) {
            return ResizeStatus.NONE;
        }
        return new ResizeStatus(LegacyResizeStatus.ofWireName(previous.resize()), previous.conditions(),
                previous.observedGeneration(), null);
    }

    private List<ContainerStatus> containers(Pod desired, Pod allocated, PodRuntimeView view, PodStatus previous) {
        List<ContainerStatus> before = previous == null ? List.of() : previous.containerStatuses();
        List<ContainerStatus> out = new ArrayList<>(desired.containers().size());
        for (Container c : desired.containers()) {
            out.add(status(desired, c, false, allocatedOf(allocated, c), view, before));
        }
        return StatusSharing.statuses(before, out);
    }

    /**
     * {@code initContainerStatuses}: sidecars with their allocated and actual resources like app containers; init
     * containers that run to completion without either (the kubelet's allocation holds resizable containers only, and
     * it sets no {@code resources} for a container it has no allocation for).
     */
    private List<ContainerStatus> initContainers(Pod desired, Pod allocated, PodRuntimeView view, PodStatus previous) {
        List<ContainerStatus> before = previous == null ? List.of() : previous.initContainerStatuses();
        List<ContainerStatus> out = new ArrayList<>(desired.initContainers().size());
        for (Container c : desired.initContainers()) {
            Container a = c.isSidecar() ? allocatedOf(allocated, c) : null;
            out.add(status(desired, c, true, a, view, before));
        }
        return StatusSharing.statuses(before, out);
    }

    /** The allocated pod's resizable container (app container or sidecar) of {@code c}'s name, or null. */
    private static Container allocatedOf(Pod allocated, Container c) {
        if (allocated == null) {
            return null;
        }
        for (Container a : allocated.containers()) {
            if (a.name().equals(c.name())) {
                return a;
            }
        }
        for (Container a : allocated.initContainers()) {
            if (a.isSidecar() && a.name().equals(c.name())) {
                return a;
            }
        }
        return null;
    }

    /**
     * One container's status the way the kubelet's {@code convertToAPIContainerStatuses} builds it; the previous one
     * itself when nothing in it changed (names in the pod are unique, app and init containers together).
     */
    private ContainerStatus status(Pod desired, Container c, boolean initContainer, Container a, PodRuntimeView view,
            List<ContainerStatus> previous) {
        ContainerStatus old = StatusSharing.named(previous, c.name());
        RunningContainer rc = view == null || view.running() == null ? null
                : view.running().container(c.name()).orElse(null);
        ResourceRequirements allocatedRequests = a == null ? null
                : StatusSharing.requestsOnly(old == null ? null : old.allocatedResources(), a.resources());
        boolean isRunning = rc != null && rc.running() && !rc.containerId().isEmpty();
        // the kubelet's conversion (StatusResources); the allocation while the container does not run
        boolean resizable = !initContainer || c.isSidecar();
        ResourceRequirements resources = StatusSharing.requirements(old == null ? null : old.resources(), !resizable
                ? null
                : isRunning && rc.actual() != null && a != null
                ? StatusResources.convert(a.resources(), rc.actual(), previousResources(previous, c.name(), rc))
                : a != null ? a.resources() : rc != null && rc.actual() != null ? requirements(rc.actual()) : null);
        String containerId = rc == null || rc.containerId().isEmpty() ? null
                : StatusSharing.isContainerId(old, runtimeName, rc.containerId())
                ? old.containerId() : runtimeName + "://" + rc.containerId();
        int restarts = rc == null ? 0 : rc.restartCount();
        PodStatus.Terminated last = rc == null ? null : StatusSharing.terminated(old, terminated(rc.previous()));
        if (isRunning) {
            // without readiness probes a running container is ready, except an init container that must complete
            boolean ready = !initContainer || c.isSidecar();
            return StatusSharing.container(old, new ContainerStatus(c.name(), containerId, c.image(), ready, restarts,
                    "running", null, rc.startedAt(), allocatedRequests, resources, true, null, last, null));
        }
        if (rc != null && rc.hasExited() && rc.exited() != null) {
            PodStatus.Terminated ended = StatusSharing.terminated(old, terminated(rc.exited()));
            if (rc.backoffUntil() != null) {
                String message = "back-off " + goDuration(rc.exited().finishedAt() == null ? Duration.ZERO
                        : Duration.between(rc.exited().finishedAt(), rc.backoffUntil()))
                        + " restarting failed container=" + c.name() + " pod=" + desired.name() + "_"
                        + desired.namespace() + "(" + desired.uid().value() + ")";
                return StatusSharing.container(old, new ContainerStatus(c.name(), containerId, c.image(), false,
                        restarts, "waiting", "CrashLoopBackOff", null, allocatedRequests, resources, false, null, ended,
                        message));
            }
            // a completed init container is ready (the kubelet marks it so); a sidecar or app container is not
            boolean ready = initContainer && !c.isSidecar() && ended.exitCode() == 0;
            return StatusSharing.container(old, new ContainerStatus(c.name(), containerId, c.image(), ready, restarts,
                    "terminated", ended.reason(), null, allocatedRequests, resources, false, ended, last, null));
        }
        String waiting = desired.initContainers().isEmpty() ? "ContainerCreating" : "PodInitializing";
        return StatusSharing.container(old, new ContainerStatus(c.name(), containerId, c.image(), false, restarts,
                "waiting", waiting, null, allocatedRequests, resources, false, null, last, null));
    }

    private PodStatus.Terminated terminated(RunningContainer.Termination t) {
        return t == null ? null : new PodStatus.Terminated(t.exitCode(), t.reason().isEmpty() ? null : t.reason(),
                t.startedAt(), t.finishedAt(), t.containerId() == null ? null : runtimeName + "://" + t.containerId());
    }

    /** Go's {@code time.Duration.String} for whole seconds: 10s, 1m20s, 5m0s. */
    static String goDuration(Duration d) {
        long seconds = Math.max(0, Math.round(d.toMillis() / 1000.0));
        if (seconds < 60) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 60) {
            return minutes + "m" + seconds % 60 + "s";
        }
        return minutes / 60 + "h" + minutes % 60 + "m" + seconds % 60 + "s";
    }

    /** What the previous status showed for the same container (same id) while it ran, for values the runtime omits. */
    private static ResourceRequirements previousResources(List<ContainerStatus> previous, String name,
            RunningContainer rc) {
        for (ContainerStatus old : previous) {
            if (old.name().equals(name) && old.state().equals("running")
                    && StatusSharing.endsWithId(old.containerId(), rc.containerId())) {
                return old.resources();
            }
        }
        return null;
    }

    /** Runtime values back to Kubernetes resources; unset (0) values are left out. */
    public static ResourceRequirements requirements(ResourceValues v) {
        return overlay(ResourceRequirements.NONE, v);
    }
}
