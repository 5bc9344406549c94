package dev.resizelet.core.model;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pod's QoS class, computed like Kubernetes' {@code ComputePodQOS}: from the pod-level resources when
 * {@code spec.resources} is set (KEP-2837; Guaranteed needs pod-level cpu and memory limits equal to the requests),
 * else from the app and all init containers.
 */
public enum QosClass {
    GUARANTEED("Guaranteed"),
    BURSTABLE("Burstable"),
    BEST_EFFORT("BestEffort");

    private final String wireName;

    QosClass(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static QosClass of(Pod pod) {
        if (pod.hasPodLevelResources()) {
            return ofPodLevel(pod.podResources());
        }
        return of(pod.allContainers());
    }

    private static QosClass ofPodLevel(ResourceRequirements r) {
        Map<String, BigDecimal> requests = new HashMap<>();
        Map<String, BigDecimal> limits = new HashMap<>();
        Set<String> limitsFound = new HashSet<>();
        addPositive(r.requests(), requests, null);
        addPositive(r.limits(), limits, limitsFound);
        boolean guaranteed = limitsFound.contains(ResourceNames.CPU) && limitsFound.contains(ResourceNames.MEMORY);
        return classify(requests, limits, guaranteed);
    }

    static QosClass of(List<Container> containers) {
        Map<String, BigDecimal> requests = new HashMap<>();
        Map<String, BigDecimal> limits = new HashMap<>();
        boolean guaranteed = true;
        for (Container c : containers) {
            addPositive(c.resources().requests(), requests, null);
            Set<String> limitsFound = new HashSet<>();
            addPositive(c.resources().limits(), limits, limitsFound);
            if (!limitsFound.contains(ResourceNames.CPU) || !limitsFound.contains(ResourceNames.MEMORY)) {
                guaranteed = false;
            }
        }
        return classify(requests, limits, guaranteed);
    }

    private static QosClass classify(Map<String, BigDecimal> requests, Map<String, BigDecimal> limits,
            boolean limitsComplete) {
        boolean guaranteed = limitsComplete;
        if (requests.isEmpty() && limits.isEmpty()) {
            return BEST_EFFORT;
        }
        if (guaranteed) {
            for (Map.Entry<String, BigDecimal> e : requests.entrySet()) {
                BigDecimal limit = limits.get(e.getKey());
                if (limit == null || limit.compareTo(e.getValue()) != 0) {
                    guaranteed = false;
                    break;
                }
            }
        }
        return guaranteed && requests.size() == limits.size() ? GUARANTEED : BURSTABLE;
    }

    private static void addPositive(Map<String, Quantity> list, Map<String, BigDecimal> sums, Set<String> found) {
        list.forEach((name, q) -> {
            if (ResourceNames.isResizable(name) && q.signum() > 0) {
                sums.merge(name, q.amount(), BigDecimal::add);
                if (found != null) {
                    found.add(name);
                }
            }
        });
    }
}
