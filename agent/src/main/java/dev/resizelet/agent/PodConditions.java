package dev.resizelet.agent;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resizelet.core.api.PodStatus;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The kubelet's pod lifecycle conditions ({@code generateAPIPodStatus}: PodReadyToStartContainers, Initialized,
 * Ready, ContainersReady, PodScheduled), derived from the container statuses the agent reports, with the kubelet's
 * reasons and messages ({@code pkg/kubelet/status/generate.go}). {@code kubectl wait --for=condition=Ready} and the
 * upstream e2e ({@code WaitForPodResizeActuation} waits for a Ready pod) read them. A pod the node rejected
 * (Failed with a reason, such as OutOfcpu) has none, as the kubelet's {@code rejectPod} sets none. Without transition
 * records, a condition's {@code lastTransitionTime} is the latest start of the containers it is about, else the pod's
 * start.
 */
final class PodConditions {
    private PodConditions() {
    }

    /** {@code sidecars}: the names of the init containers with {@code restartPolicy: Always}. */
    static void append(ArrayNode into, PodStatus status, Set<String> sidecars, Instant podStart,
                       Function<Instant, String> timestamp) {
        if (status.reason() != null) {
            return;
        }
        boolean terminal = status.phase().equals("Succeeded") || status.phase().equals("Failed");
        List<PodStatus.ContainerStatus> apps = status.containerStatuses();
        List<PodStatus.ContainerStatus> inits = status.initContainerStatuses();
        boolean sandbox = !terminal && Stream.concat(inits.stream(), apps.stream()).anyMatch(c -> c.containerId() != null);
        add(into, "PodReadyToStartContainers", sandbox || status.phase().equals("Running"), "", "",
                latest(Stream.concat(inits.stream(), apps.stream()).toList(), podStart), timestamp);

        // app containers are created only once every init container has completed (and every sidecar started)
        boolean initialized = inits.isEmpty() || apps.stream().anyMatch(c -> c.containerId() != null || c.terminated() != null);
        // incomplete: a regular init container that has not exited 0, a sidecar that has not started
        List<String> incomplete = inits.stream()
                .filter(c -> sidecars.contains(c.name()) ? !c.started()
                        : c.terminated() == null || c.terminated().exitCode() != 0)
                .map(PodStatus.ContainerStatus::name).toList();
        add(into, "Initialized", initialized, initialized ? "" : "ContainersNotInitialized",
                initialized ? "" : "containers with incomplete status: " + names(incomplete), latest(inits, podStart), timestamp);

        // Ready and ContainersReady: every sidecar and every app container ready
        List<PodStatus.ContainerStatus> counted = Stream.concat(inits.stream().filter(c -> sidecars.contains(c.name())),
                apps.stream()).toList();
        List<String> unready = counted.stream().filter(c -> !c.ready()).map(PodStatus.ContainerStatus::name).toList();
        boolean ready = !terminal && unready.isEmpty() && !apps.isEmpty();
        String reason = ready ? "" : status.phase().equals("Succeeded") ? "PodCompleted" : "ContainersNotReady";
        String message = ready || reason.equals("PodCompleted") ? "" : "containers with unready status: " + names(unready);
        Instant readyAt = latest(counted, podStart);
        add(into, "Ready", ready, reason, message, readyAt, timestamp);
        add(into, "ContainersReady", ready, reason, message, readyAt, timestamp);
        add(into, "PodScheduled", true, "", "", podStart, timestamp);
    }

    private static void add(ArrayNode into, String type, boolean status, String reason, String message, Instant at,
                            Function<Instant, String> timestamp) {
        ObjectNode c = into.addObject();
        c.put("type", type).put("status", status ? "True" : "False");
        if (!reason.isEmpty()) {
            c.put("reason", reason);
        }
        if (!message.isEmpty()) {
            c.put("message", message);
        }
        c.put("lastProbeTime", (String) null);
        c.put("lastTransitionTime", timestamp.apply(at));
    }

    private static Instant latest(List<PodStatus.ContainerStatus> statuses, Instant otherwise) {
        return statuses.stream().map(PodStatus.ContainerStatus::startedAt).filter(Objects::nonNull).max(Instant::compareTo)
                .orElse(otherwise);
    }

    /** The kubelet prints the names as a Go slice: {@code [a b]}. */
    private static String names(List<String> names) {
        return "[" + String.join(" ", names) + "]";
    }
}
