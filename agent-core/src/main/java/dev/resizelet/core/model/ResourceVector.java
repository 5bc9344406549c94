package dev.resizelet.core.model;

/** The compact resource vector admission works with: cpu in millicores, memory in bytes. */
public record ResourceVector(long cpuMillis, long memoryBytes) {

    public static final ResourceVector ZERO = new ResourceVector(0, 0);

    public ResourceVector plus(ResourceVector o) {
        return new ResourceVector(Math.addExact(cpuMillis, o.cpuMillis), Math.addExact(memoryBytes, o.memoryBytes));
    }

    public ResourceVector minus(ResourceVector o) {
        return new ResourceVector(Math.subtractExact(cpuMillis, o.cpuMillis),
                Math.subtractExact(memoryBytes, o.memoryBytes));
    }

    /** Component-wise maximum (init containers run one at a time). */
    public ResourceVector max(ResourceVector o) {
        return new ResourceVector(Math.max(cpuMillis, o.cpuMillis), Math.max(memoryBytes, o.memoryBytes));
    }

    /** True when no component exceeds the other's. */
    public boolean fitsWithin(ResourceVector o) {
        return cpuMillis <= o.cpuMillis && memoryBytes <= o.memoryBytes;
    }
}
