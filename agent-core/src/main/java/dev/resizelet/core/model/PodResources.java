package dev.resizelet.core.model;

import java.util.Collections;
import java.util.List;
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

    /**
     * {@code sameResources(pod.resources())} without building that map: the pod's resizable containers (app containers
     * and sidecars, names unique) have these resources by name, and its pod-level ones are these.
     */
    public boolean sameResources(Pod pod) {
        if (repeatsAName(pod)) {
            return sameResources(pod.resources()); // validation forbids it; the built map keeps the last of a name
        }
        if (!pod.podResources().equals(this.pod)) {
            return false;
        }
        int count = 0;
        for (Container c : pod.containers()) {
            count++;
            if (!c.resources().equals(containers.get(c.name()))) {
                return false;
            }
        }
        for (Container c : pod.initContainers()) {
            if (c.isSidecar()) {
                count++;
                if (!c.resources().equals(containers.get(c.name()))) {
                    return false;
                }
            }
        }
        return count == containers.size(); // every name of the pod is here, with the same resources
    }

    private static boolean repeatsAName(Pod pod) {
        List<Container> all = pod.containers();
        List<Container> inits = pod.initContainers();
        for (int i = 0; i < all.size() + inits.size(); i++) {
            Container a = i < all.size() ? all.get(i) : inits.get(i - all.size());
            for (int j = i + 1; j < all.size() + inits.size(); j++) {
                Container b = j < all.size() ? all.get(j) : inits.get(j - all.size());
                if (a.name().equals(b.name())) {
                    return true;
                }
            }
        }
        return false;
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
