package dev.resizelet.agent.config;

import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.QuantityFormatException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * CPU and memory a kubelet reservation takes from node capacity ({@code --system-reserved}, {@code --kube-reserved},
 * their KubeletConfiguration maps). The kubelet also accepts {@code ephemeral-storage}, {@code pid} and
 * {@code hugepages-<size>}; resizelet admits only CPU and memory, so those are read, checked and left out.
 */
public record ReservedResources(long cpuMillis, long memoryBytes) {
    public static final ReservedResources NONE = new ReservedResources(0, 0);
    private static final Set<String> KNOWN = Set.of("cpu", "memory", "ephemeral-storage", "pid");

    public ReservedResources {
        if (cpuMillis < 0 || memoryBytes < 0) {
            throw new IllegalArgumentException("reserved resources must not be negative: cpu=" + cpuMillis + "m memory=" + memoryBytes);
        }
    }

    /** {@code cpu=500m,memory=1Gi} (the kubelet flag format); empty is none. */
    public static ReservedResources parse(String what, String text) {
        Map<String, String> values = new LinkedHashMap<>();
        if (text != null && !text.isBlank()) {
            for (String pair : text.split(",")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException(what + " must look like cpu=500m,memory=1Gi, got \"" + text + "\"");
                }
                values.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        return of(what, values);
    }

    /** The KubeletConfiguration map form: {@code {cpu: 500m, memory: 1Gi}}. */
    public static ReservedResources of(String what, Map<String, String> values) {
        long cpu = 0;
        long memory = 0;
        for (Map.Entry<String, String> e : values.entrySet()) {
            if (!KNOWN.contains(e.getKey()) && !e.getKey().startsWith("hugepages-")) {
                throw new IllegalArgumentException(what + ": unknown resource \"" + e.getKey() + "\" (the kubelet accepts "
                        + String.join(", ", new java.util.TreeSet<>(KNOWN)) + ")");
            }
            Quantity q;
            try {
                q = Quantity.parse(e.getValue());
            } catch (QuantityFormatException ex) {
                throw new IllegalArgumentException(what + ": invalid quantity \"" + e.getValue() + "\" for " + e.getKey()
                        + ": " + ex.getMessage());
            }
            if (q.signum() < 0) {
                throw new IllegalArgumentException(what + ": " + e.getKey() + " must not be negative, got " + e.getValue());
            }
            if (e.getKey().equals("cpu")) {
                cpu = q.milliValue();
            } else if (e.getKey().equals("memory")) {
                memory = q.value();
            }
        }
        return new ReservedResources(cpu, memory);
    }

    public ReservedResources plus(ReservedResources other) {
        return new ReservedResources(cpuMillis + other.cpuMillis, memoryBytes + other.memoryBytes);
    }

    /** The flag form, for messages: {@code cpu=500m,memory=1Gi}. */
    @Override
    public String toString() {
        return "cpu=" + Quantity.ofMillis(cpuMillis) + ",memory=" + Quantity.ofBytes(memoryBytes);
    }
}
