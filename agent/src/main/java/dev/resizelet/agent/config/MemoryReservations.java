package dev.resizelet.agent.config;

import dev.resizelet.core.model.Quantity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The memory manager's per-NUMA-node reservations ({@code --reserved-memory 0:memory=1Gi;1:memory=2Gi},
 * KubeletConfiguration {@code reservedMemory: [{numaNode: 0, limits: {memory: 1Gi}}]}). resizelet does not pin
 * memory to NUMA nodes; it keeps the kubelet's start-up rule: with the {@code Static} memory manager the reserved
 * memory of all nodes must add up to exactly what node allocatable reserves (kube + system reserved + the hard
 * eviction threshold), or the agent does not start.
 */
public record MemoryReservations(List<NumaReservation> nodes) {
    /** One NUMA node's reservation; only memory counts here (hugepages are checked for form only). */
    public record NumaReservation(int numaNode, long memoryBytes) {
        public NumaReservation {
            if (numaNode < 0 || memoryBytes < 0) {
                throw new IllegalArgumentException("reserved memory: NUMA node and memory must not be negative");
            }
        }
    }

    public static final MemoryReservations NONE = new MemoryReservations(List.of());

    public MemoryReservations {
        nodes = List.copyOf(nodes);
    }

    /** The kubelet flag form: {@code 0:memory=1Gi,hugepages-1Gi=2Gi;1:memory=2Gi}. */
    public static MemoryReservations parse(String what, String text) {
        List<NumaReservation> nodes = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return NONE;
        }
        for (String part : text.split(";")) {
            int colon = part.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(what + " must look like 0:memory=1Gi;1:memory=2Gi, got \"" + text + "\"");
            }
            int node;
            try {
                node = Integer.parseInt(part.substring(0, colon).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + ": NUMA node must be a number, got \"" + part + "\"");
            }
            Map<String, String> limits = new LinkedHashMap<>();
            for (String pair : part.substring(colon + 1).split(",")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException(what + " must look like 0:memory=1Gi, got \"" + part + "\"");
                }
                limits.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
            nodes.add(new NumaReservation(node, ReservedResources.of(what, limits).memoryBytes()));
        }
        return new MemoryReservations(nodes);
    }

    public long totalMemoryBytes() {
        return nodes.stream().mapToLong(NumaReservation::memoryBytes).sum();
    }

    /**
     * The kubelet's check (memorymanager.validateReservedMemory) for the memory type.
     *
     * @param nodeAllocatableReservation kube-reserved + system-reserved + hard eviction memory, bytes
     */
    public void checkStatic(long nodeAllocatableReservation) {
        if (totalMemoryBytes() != nodeAllocatableReservation) {
            throw new IllegalArgumentException("the total amount \"" + Quantity.ofBytes(totalMemoryBytes()) + "\" of type \"memory\""
                    + " is not equal to the value \"" + Quantity.ofBytes(nodeAllocatableReservation) + "\" determined by Node"
                    + " Allocatable feature (--reserved-memory / reservedMemory with the Static memory manager policy)");
        }
    }

    /** The flag form. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (NumaReservation n : nodes) {
            if (b.length() > 0) {
                b.append(';');
            }
            b.append(n.numaNode()).append(":memory=").append(Quantity.ofBytes(n.memoryBytes()));
        }
        return b.toString();
    }
}
