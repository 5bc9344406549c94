package dev.resizelet.agent.config;

import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.QuantityFormatException;
import java.util.Map;

/**
 * The hard eviction threshold on {@code memory.available}, which the kubelet subtracts from capacity to get node
 * allocatable: {@code --eviction-hard=memory.available<100Mi,nodefs.available<10%} or the KubeletConfiguration map
 * {@code evictionHard: {memory.available: 100Mi}}. The kubelet's default is 100Mi. A percentage is of capacity.
 * Other signals (nodefs, imagefs, pid) are about eviction, which resizelet does not do; they are read and left out.
 *
 * @param bytes   an absolute threshold, or 0
 * @param percent a percentage of memory capacity, or 0
 */
public record EvictionThreshold(long bytes, double percent) {
    public static final EvictionThreshold KUBELET_DEFAULT = new EvictionThreshold(100L << 20, 0);
    static final String MEMORY_AVAILABLE = "memory.available";

    public EvictionThreshold {
        if (bytes < 0 || percent < 0 || percent > 100) {
            throw new IllegalArgumentException("eviction threshold must be 0..capacity, got " + bytes + " bytes / " + percent + "%");
        }
    }

    /** {@code memory.available<100Mi,nodefs.available<10%}: the memory signal, or none if absent. */
    public static EvictionThreshold parse(String what, String text) {
        if (text == null || text.isBlank()) {
            return new EvictionThreshold(0, 0);
        }
        for (String part : text.split(",")) {
            int lt = part.indexOf('<');
            if (lt <= 0) {
                throw new IllegalArgumentException(what + " must look like memory.available<100Mi, got \"" + text + "\"");
            }
            if (part.substring(0, lt).trim().equals(MEMORY_AVAILABLE)) {
                return value(what, part.substring(lt + 1).trim());
            }
        }
        return new EvictionThreshold(0, 0);
    }

    /** The KubeletConfiguration map form. A map without memory.available leaves it at none, as the kubelet does. */
    public static EvictionThreshold of(String what, Map<String, String> signals) {
        String v = signals.get(MEMORY_AVAILABLE);
        return v == null ? new EvictionThreshold(0, 0) : value(what, v);
    }

    private static EvictionThreshold value(String what, String v) {
        if (v.endsWith("%")) {
            try {
                return new EvictionThreshold(0, Double.parseDouble(v.substring(0, v.length() - 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + ": invalid percentage \"" + v + "\"");
            }
        }
        try {
            return new EvictionThreshold(Quantity.parse(v).value(), 0);
        } catch (QuantityFormatException e) {
            throw new IllegalArgumentException(what + ": invalid quantity \"" + v + "\": " + e.getMessage());
        }
    }

    public long bytesOf(long memoryCapacity) {
        return bytes > 0 ? bytes : (long) Math.ceil(memoryCapacity * percent / 100.0);
    }

    /** The flag form. */
    @Override
    public String toString() {
        return MEMORY_AVAILABLE + "<" + (percent > 0 ? percent + "%" : Quantity.ofBytes(bytes).toString());
    }
}
