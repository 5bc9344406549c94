package dev.resizelet.core.agent;

import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodStatus.ContainerStatus;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.core.status.PodCondition;
import java.util.List;
import java.util.Map;

/**
 * Keeps the parts of a pod's previous status that a recomposition finds unchanged, so a status that stays the same
 * shares its objects with the one before: the store holds one long-lived copy per pod rather than a fresh one per
 * composition (fewer objects survive a young collection), and equality checks meet identical objects. Values are
 * shared only when they are written the same way ({@link Quantity#sameText}), so a status's JSON never changes by it.
 * Pure functions of the previous and the new value; nothing is remembered here.
 */
final class StatusSharing {
    private StatusSharing() {
    }

    /** {@code next}, or {@code previous} when equal to it and made of the same (identical) parts. */
    static PodStatus status(PodStatus previous, PodStatus next) {
        if (previous == null || previous == next) {
            return next;
        }
        boolean sameParts = previous.conditions() == next.conditions()
                && previous.containerStatuses() == next.containerStatuses()
                && previous.initContainerStatuses() == next.initContainerStatuses()
                && previous.allocatedResources() == next.allocatedResources()
                && previous.resources() == next.resources();
        return sameParts && previous.equals(next) ? previous : next;
    }

    /** {@code next}, or {@code previous} when it holds the very same statuses. */
    static List<ContainerStatus> statuses(List<ContainerStatus> previous, List<ContainerStatus> next) {
        if (previous.size() != next.size()) {
            return next;
        }
        for (int i = 0; i < next.size(); i++) {
            if (previous.get(i) != next.get(i)) {
                return next;
            }
        }
        return previous;
    }

    /** {@code next}, or {@code previous} when equal (conditions hold strings, numbers and instants only). */
    static List<PodCondition> conditions(List<PodCondition> previous, List<PodCondition> next) {
        return next.equals(previous) ? previous : next;
    }

    /** {@code next}, or {@code previous} when it has the same parts and values. */
    static ContainerStatus container(ContainerStatus previous, ContainerStatus next) {
        return previous != null && previous.allocatedResources() == next.allocatedResources()
                && previous.resources() == next.resources() && previous.equals(next) ? previous : next;
    }

    /** {@code next}, or {@code previous} when it prints the same. */
    static ResourceRequirements requirements(ResourceRequirements previous, ResourceRequirements next) {
        return next != null && next.sameText(previous) ? previous : next;
    }

    /** {@code next}, or {@code previous} when it prints the same. */
    static Map<String, Quantity> quantities(Map<String, Quantity> previous, Map<String, Quantity> next) {
        return next != null && previous != null && ResourceRequirements.sameText(next, previous) ? previous : next;
    }

    /** The container's allocated requests alone ({@code allocatedResources}): {@code previous} if it shows them. */
    static ResourceRequirements requestsOnly(ResourceRequirements previous, ResourceRequirements allocated) {
        if (allocated.limits().isEmpty()) {
            return requirements(previous, allocated);
        }
        if (previous != null && previous.limits().isEmpty()
                && ResourceRequirements.sameText(previous.requests(), allocated.requests())) {
            return previous;
        }
        return new ResourceRequirements(allocated.requests(), Map.of());
    }

    /** {@code next}, or an equal termination the previous status shows. */
    static PodStatus.Terminated terminated(ContainerStatus previous, PodStatus.Terminated next) {
        if (next == null || previous == null) {
            return next;
        }
        return next.equals(previous.lastState()) ? previous.lastState()
                : next.equals(previous.terminated()) ? previous.terminated() : next;
    }

    /** The status of the container named {@code name}, or null. */
    static ContainerStatus named(List<ContainerStatus> statuses, String name) {
        for (int i = 0; i < statuses.size(); i++) {
            if (statuses.get(i).name().equals(name)) {
                return statuses.get(i);
            }
        }
        return null;
    }

    /** True when the previous status's {@code containerID} is {@code <runtime>://<id>}. */
    static boolean isContainerId(ContainerStatus previous, String runtime, String id) {
        String shown = previous == null ? null : previous.containerId();
        return shown != null && shown.length() == runtime.length() + 3 + id.length() && shown.startsWith(runtime)
                && endsWithId(shown, id);
    }

    /** {@code containerId.endsWith("://" + id)}, without making that string. */
    static boolean endsWithId(String containerId, String id) {
        return containerId != null && containerId.length() >= id.length() + 3 && containerId.endsWith(id)
                && containerId.startsWith("://", containerId.length() - id.length() - 3);
    }
}
