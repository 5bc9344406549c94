package dev.resizelet.core.model;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A pod's QoS class, computed like Kubernetes' {@code ComputePodQOS} (app + all init containers). */
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
        return of(pod.allContainers());
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
