package dev.resizelet.core.enact;

import static java.util.Objects.requireNonNull;

/**
 * One container as a pass sees it: what was last applied (actuated) and what admission accepted (allocated).
 *
 * @param name the container's name in the pod spec
 * @param containerId the runtime's id of the container; empty when a restart removed it and it is not back yet
 */
public record ContainerEnactment(String name, String containerId, ResourceValues actuated, ResourceValues allocated,
        ResizePolicy cpuPolicy, ResizePolicy memoryPolicy) {
    public ContainerEnactment {
        requireNonNull(name, "name");
        requireNonNull(containerId, "containerId");
        requireNonNull(actuated, "actuated");
        requireNonNull(allocated, "allocated");
        requireNonNull(cpuPolicy, "cpuPolicy");
        requireNonNull(memoryPolicy, "memoryPolicy");
    }

    /** A changed resource whose policy is RestartContainer: the container is recreated instead of updated. */
    public boolean needsRestart() {
        return !present() || (actuated.cpuDiffers(allocated) && cpuPolicy == ResizePolicy.RESTART_CONTAINER)
                || (actuated.memoryDiffers(allocated) && memoryPolicy == ResizePolicy.RESTART_CONTAINER);
    }

    public boolean present() {
        return !containerId.isEmpty();
    }

    public boolean settled() {
        return actuated.equals(allocated);
    }
}
