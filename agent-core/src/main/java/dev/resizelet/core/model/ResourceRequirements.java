package dev.resizelet.core.model;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSortedMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.BiPredicate;

/**
 * A container's {@code resources}: requests and limits by resource name. Maps are copied, sorted by
 * name, unmodifiable. Equality compares quantities by value.
 */
public record ResourceRequirements(Map<String, Quantity> requests, Map<String, Quantity> limits) {

    public static final ResourceRequirements NONE = new ResourceRequirements(Map.of(), Map.of());

    public ResourceRequirements {
        requests = sortedCopy(requests, "requests");
        limits = sortedCopy(limits, "limits");
    }

    public Quantity request(String resource) {
        return requests.get(resource);
    }

    public Quantity limit(String resource) {
        return limits.get(resource);
    }

    /** Requested millicores (0 when unset), as the kubelet sums them. */
    public long cpuRequestMillis() {
        Quantity q = requests.get(ResourceNames.CPU);
        return q == null ? 0 : q.milliValue();
    }

    /** Requested bytes (0 when unset). */
    public long memoryRequestBytes() {
        Quantity q = requests.get(ResourceNames.MEMORY);
        return q == null ? 0 : q.value();
    }

    public ResourceVector requestVector() {
        return new ResourceVector(cpuRequestMillis(), memoryRequestBytes());
    }

    /** Equal requests and limits, quantities compared by value (as the maps' equals), without iterating entries. */
    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof ResourceRequirements r && sameValues(requests, r.requests)
                && sameValues(limits, r.limits);
    }

    @Override
    public int hashCode() {
        return 31 * requests.hashCode() + limits.hashCode();
    }

    /** {@code a.equals(b)} for the maps this record holds, by index: nothing is allocated. */
    private static boolean sameValues(Map<String, Quantity> a, Map<String, Quantity> b) {
        return matches(a, b, Quantity::equals);
    }

    /**
     * These requirements with the cpu and memory requests and limits set to the given quantities (null: none), every
     * other resource kept; this object itself when each of the four already {@linkplain Quantity#sameText prints the
     * same}, so a recomputation that changes nothing allocates no maps and shares the previous value.
     */
    public ResourceRequirements withCpuMemory(Quantity cpuRequest, Quantity memoryRequest, Quantity cpuLimit,
            Quantity memoryLimit) {
        Map<String, Quantity> r = withCpuMemory(requests, cpuRequest, memoryRequest);
        Map<String, Quantity> l = withCpuMemory(limits, cpuLimit, memoryLimit);
        return r == requests && l == limits ? this : new ResourceRequirements(r, l);
    }

    /**
     * The same requests and limits, each written the same way ({@link #equals} compares values: {@code 128Mi} equals
     * {@code 134217728}). A value shown in a status or stored may be replaced by one of the same text, byte for byte.
     */
    public boolean sameText(ResourceRequirements other) {
        return this == other || other != null && sameText(requests, other.requests) && sameText(limits, other.limits);
    }

    /** Both maps hold the same names with quantities of the same text. */
    public static boolean sameText(Map<String, Quantity> a, Map<String, Quantity> b) {
        return matches(a, b, Quantity::sameText);
    }

    /** The same names, each with quantities that {@code same} matches ({@code b}'s may be null: no match). */
    private static boolean matches(Map<String, Quantity> a, Map<String, Quantity> b,
            BiPredicate<Quantity, Quantity> same) {
        if (a == b) {
            return true;
        }
        if (a.size() != b.size()) {
            return false;
        }
        if (a instanceof ImmutableSortedMap<String, Quantity> sorted) {
            // by index: a sorted map's entries are made afresh on every iteration
            ImmutableList<String> names = sorted.keySet().asList();
            ImmutableList<Quantity> values = sorted.values().asList();
            for (int i = 0; i < names.size(); i++) {
                if (!same.test(values.get(i), b.get(names.get(i)))) {
                    return false;
                }
            }
            return true;
        }
        for (Map.Entry<String, Quantity> e : a.entrySet()) {
            if (!same.test(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, Quantity> withCpuMemory(Map<String, Quantity> in, Quantity cpu, Quantity memory) {
        Quantity cpuNow = in.get(ResourceNames.CPU);
        Quantity memoryNow = in.get(ResourceNames.MEMORY);
        if ((cpu == null ? cpuNow == null : cpu.sameText(cpuNow))
                && (memory == null ? memoryNow == null : memory.sameText(memoryNow))) {
            return in;
        }
        if (in.size() == (cpuNow == null ? 0 : 1) + (memoryNow == null ? 0 : 1)) {
            // nothing but cpu and memory (the common case): the sorted map is made straight away ("cpu" < "memory")
            if (cpu == null) {
                return memory == null ? ImmutableSortedMap.of() : ImmutableSortedMap.of(ResourceNames.MEMORY, memory);
            }
            return memory == null ? ImmutableSortedMap.of(ResourceNames.CPU, cpu)
                    : ImmutableSortedMap.of(ResourceNames.CPU, cpu, ResourceNames.MEMORY, memory);
        }
        TreeMap<String, Quantity> out = new TreeMap<>(in);
        put(out, ResourceNames.CPU, cpu);
        put(out, ResourceNames.MEMORY, memory);
        return ImmutableSortedMap.copyOfSorted(out);
    }

    private static void put(Map<String, Quantity> m, String name, Quantity q) {
        if (q == null) {
            m.remove(name);
        } else {
            m.put(name, q);
        }
    }

    /**
     * An immutable sorted copy; a map this record made before (an {@link ImmutableSortedMap} in natural order) is taken
     * as it is, so records built from other records' maps (the status composer's, admission's) copy nothing.
     */
    private static Map<String, Quantity> sortedCopy(Map<String, Quantity> in, String what) {
        Objects.requireNonNull(in, what);
        if (!(in instanceof ImmutableSortedMap)) {
            in.forEach((k, v) -> {
                // no message built unless it is thrown: this runs for every map of every spec decoded at a restart
                if (k == null || v == null) {
                    throw new NullPointerException(what + (k == null ? " key" : " value"));
                }
            });
        }
        return ImmutableSortedMap.copyOf(in);
    }
}
