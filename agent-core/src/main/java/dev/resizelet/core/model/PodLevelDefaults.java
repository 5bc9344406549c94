package dev.resizelet.core.model;

import java.util.Map;
import java.util.TreeMap;

/**
 * The apiserver's defaulting of pod-level requests ({@code defaultPodRequests} in {@code SetDefaults_Pod}, KEP-2837),
 * applied only when {@code spec.resources.limits} is set: a resource without a pod-level request gets the aggregate
 * of the containers' requests where containers request it, else the pod-level limit. Only cpu and memory take part.
 */
public final class PodLevelDefaults {
    private PodLevelDefaults() {
    }

    /** {@code given} with its requests defaulted for {@code pod}'s containers. */
    public static ResourceRequirements requests(Pod pod, ResourceRequirements given) {
        if (given.limits().isEmpty()) {
            return given;
        }
        Map<String, Quantity> requests = new TreeMap<>(given.requests());
        for (String resource : ResourceNames.POD_LEVEL) {
            if (requests.containsKey(resource) || !anyContainerRequests(pod, resource)) {
                continue;
            }
            long aggregate = pod.aggregateContainerRequest(c -> amount(c.resources().request(resource), resource));
            requests.put(resource, ResourceNames.CPU.equals(resource) ? Quantity.ofMillis(aggregate)
                    : Quantity.ofBytes(aggregate));
        }
        given.limits().forEach((resource, limit) -> {
            if (ResourceNames.POD_LEVEL.contains(resource)) {
                requests.putIfAbsent(resource, limit);
            }
        });
        return new ResourceRequirements(requests, given.limits());
    }

    private static boolean anyContainerRequests(Pod pod, String resource) {
        for (Container c : pod.allContainers()) {
            if (c.resources().request(resource) != null) {
                return true;
            }
        }
        return false;
    }

    private static long amount(Quantity q, String resource) {
        if (q == null) {
            return 0;
        }
        return ResourceNames.CPU.equals(resource) ? q.milliValue() : q.value();
    }
}
