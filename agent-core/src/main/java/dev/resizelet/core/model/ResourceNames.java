package dev.resizelet.core.model;

/** Resource names the agent treats specially. Others (ephemeral-storage, extended) are carried as-is. */
public final class ResourceNames {

    public static final String CPU = "cpu";
    public static final String MEMORY = "memory";

    private ResourceNames() {
    }

    /** Only cpu and memory may be resized in place. */
    public static boolean isResizable(String name) {
        return CPU.equals(name) || MEMORY.equals(name);
    }
}
