package dev.resizelet.core.model;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

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
        return of(pod.containers(), pod.initContainers());
    }

    private static QosClass ofPodLevel(ResourceRequirements r) {
        Sums requests = new Sums();
        Sums limits = new Sums();
        requests.addPositive(r.requests());
        boolean guaranteed = limits.addPositive(r.limits());
        return classify(requests, limits, guaranteed);
    }

    /** Over the app and the init containers (sums are the same in any order). */
    private static QosClass of(List<Container> apps, List<Container> inits) {
        Sums requests = new Sums();
        Sums limits = new Sums();
        boolean guaranteed = true;
        for (List<Container> containers : List.of(apps, inits)) {
            for (Container c : containers) {
                requests.addPositive(c.resources().requests());
                if (!limits.addPositive(c.resources().limits())) {
                    guaranteed = false;
                }
            }
        }
        return classify(requests, limits, guaranteed);
    }

    private static QosClass classify(Sums requests, Sums limits, boolean limitsComplete) {
        if (requests.isEmpty() && limits.isEmpty()) {
            return BEST_EFFORT;
        }
        boolean guaranteed = limitsComplete && sameIfRequested(requests.cpu, limits.cpu)
                && sameIfRequested(requests.memory, limits.memory);
        return guaranteed && requests.size() == limits.size() ? GUARANTEED : BURSTABLE;
    }

    /** No request, or a limit equal to it. */
    private static boolean sameIfRequested(BigDecimal request, BigDecimal limit) {
        return request == null || limit != null && limit.compareTo(request) == 0;
    }

    /** Sums of the positive cpu and memory quantities (the only resources QoS looks at); null where none was seen. */
    private static final class Sums {
        BigDecimal cpu;
        BigDecimal memory;

        /** Adds the positive cpu and memory of {@code list}; true when it had both. */
        boolean addPositive(Map<String, Quantity> list) {
            Quantity c = list.get(ResourceNames.CPU);
            Quantity m = list.get(ResourceNames.MEMORY);
            boolean hasCpu = c != null && c.signum() > 0;
            boolean hasMemory = m != null && m.signum() > 0;
            if (hasCpu) {
                cpu = cpu == null ? c.amount() : cpu.add(c.amount());
            }
            if (hasMemory) {
                memory = memory == null ? m.amount() : memory.add(m.amount());
            }
            return hasCpu && hasMemory;
        }

        boolean isEmpty() {
            return cpu == null && memory == null;
        }

        int size() {
            return (cpu == null ? 0 : 1) + (memory == null ? 0 : 1);
        }
    }
}
