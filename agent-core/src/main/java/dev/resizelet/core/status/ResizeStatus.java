package dev.resizelet.core.status;

import dev.resizelet.core.model.Quantity;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The resize-related part of a pod's status.
 *
 * @param resize             the 1.27 {@code status.resize} value, empty when done
 * @param conditions         {@code PodResizePending} / {@code PodResizeInProgress}, only those present
 * @param observedGeneration the pod generation this status was computed for
 * @param allocatedResources per container name: {@code containerStatuses[].allocatedResources}
 */
public record ResizeStatus(Optional<LegacyResizeStatus> resize, List<PodCondition> conditions,
        long observedGeneration, Map<String, Map<String, Quantity>> allocatedResources) {

    public ResizeStatus {
        conditions = List.copyOf(conditions);
        allocatedResources = Map.copyOf(allocatedResources);
    }

    public static final ResizeStatus NONE = new ResizeStatus(Optional.empty(), List.of(), 0, Map.of());

    public Optional<PodCondition> condition(String type) {
        return conditions.stream().filter(c -> c.type().equals(type)).findFirst();
    }
}
