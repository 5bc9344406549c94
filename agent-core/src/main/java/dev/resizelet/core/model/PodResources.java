package dev.resizelet.core.model;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Resources of a pod's resizable containers (app containers and sidecars) by container name, and its pod-level
 * resources ({@code spec.resources}; {@link ResourceRequirements#NONE} when not set), with the pod generation they
 * belong to. This is the unit of the allocated and actuated views and of their checkpoints. Equality compares
 * resources by value.
 */
public record PodResources(PodUid uid, long generation, Map<String, ResourceRequirements> containers,
        ResourceRequirements pod) {

    public PodResources {
        Objects.requireNonNull(uid, "uid");
        containers = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(containers, "containers")));
        pod = pod == null ? ResourceRequirements.NONE : pod;
    }

    /** Container resources only (a pod without pod-level resources). */
    public PodResources(PodUid uid, long generation, Map<String, ResourceRequirements> containers) {
        this(uid, generation, containers, ResourceRequirements.NONE);
    }

    /** Same resources for every container and at the pod level, ignoring the generation. */
    public boolean sameResources(PodResources other) {
        return other != null && containers.equals(other.containers) && pod.equals(other.pod);
    }

    /** The pod's total request vector over these containers (no init-container peak). */
    public ResourceVector requestSum() {
        ResourceVector sum = ResourceVector.ZERO;
        for (ResourceRequirements r : containers.values()) {
            sum = sum.plus(r.requestVector());
        }
        return sum;
    }
}
