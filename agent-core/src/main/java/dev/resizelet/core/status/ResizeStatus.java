package dev.resizelet.core.status;

import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The resize-related part of a pod's status.
 *
 * @param resize             the 1.27 {@code status.resize} value, empty when done
 * @param conditions         {@code PodResizePending} / {@code PodResizeInProgress}, only those present
 * @param observedGeneration the pod generation this status was computed for
 * @param allocated          the allocated resources it was computed from, or null (none, or not known)
 */
public record ResizeStatus(Optional<LegacyResizeStatus> resize, List<PodCondition> conditions,
        long observedGeneration, PodResources allocated) {

    public ResizeStatus {
        conditions = List.copyOf(conditions);
    }

    public static final ResizeStatus NONE = new ResizeStatus(Optional.empty(), List.of(), 0, null);

    /** The condition of {@code type}, if present. */
    public Optional<PodCondition> condition(String type) {
        for (int i = 0; i < conditions.size(); i++) {
            if (conditions.get(i).type().equals(type)) {
                return Optional.of(conditions.get(i));
            }
        }
        return Optional.empty();
    }

    /** Per container name: {@code containerStatuses[].allocatedResources} (the allocated requests). */
    public Map<String, Map<String, Quantity>> allocatedResources() {
        Map<String, Map<String, Quantity>> out = new HashMap<>();
        if (allocated != null) {
            for (Map.Entry<String, ResourceRequirements> e : allocated.containers().entrySet()) {
                out.put(e.getKey(), e.getValue().requests());
            }
        }
        return Map.copyOf(out);
    }
}
