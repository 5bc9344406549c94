package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.core.enact.ResizePolicy;
import dev.resizelet.core.enact.ResourceValues;
import java.util.Map;

/**
 * What a pod should run with: the allocated values (never the desired ones: admission decided) and each
 * container's resize policies; {@link #POD_LEVEL} holds the pod-level values where the pod sets them.
 *
 * @param generation the pod generation these allocated values belong to
 */
public record PodTarget(PodSpec spec, long generation, Map<String, ResourceValues> allocated,
        Map<String, ResizePolicy> cpuPolicies, Map<String, ResizePolicy> memoryPolicies) {

    /**
     * The key of the pod-level values ({@code spec.resources}, KEP-2837) in {@link #allocated} and in the actuated
     * values the engine records: no container can have it (a container name is never empty). Absent when the pod
     * sets no pod-level resources.
     */
    public static final String POD_LEVEL = "";
    public PodTarget {
        requireNonNull(spec, "spec");
        allocated = Map.copyOf(allocated);
        cpuPolicies = Map.copyOf(cpuPolicies);
        memoryPolicies = Map.copyOf(memoryPolicies);
        for (ContainerSpec c : spec.containers()) {
            if (!allocated.containsKey(c.name())) {
                throw new IllegalArgumentException("no allocated resources for container " + c.name()
                        + " of pod " + spec.namespace() + "/" + spec.name());
            }
        }
    }

    public ResizePolicy cpuPolicy(String container) {
        return cpuPolicies.getOrDefault(container, ResizePolicy.NOT_REQUIRED);
    }

    public ResizePolicy memoryPolicy(String container) {
        return memoryPolicies.getOrDefault(container, ResizePolicy.NOT_REQUIRED);
    }
}
