package dev.resizelet.core.enact;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cgroups.CgroupResources;

/**
 * One step of an enactment pass. A plan is a {@code List<EnactStep>} whose order is the safety rule of
 * DESIGN §5; {@link EnactmentExecutor} runs it and stops at the first failure.
 */
public sealed interface EnactStep {

    /** Refuse to go on if the pod's memory usage is at or above {@code newLimitBytes}. */
    record CheckPodMemoryUsage(long newLimitBytes) implements EnactStep {
    }

    /** Refuse to go on if the container's memory usage is at or above {@code newLimitBytes}. */
    record CheckContainerMemoryUsage(String container, long newLimitBytes) implements EnactStep {
        public CheckContainerMemoryUsage {
            requireNonNull(container, "container");
        }
    }

    /** Write the pod cgroup values of one resource; null fields of {@code values} are left alone. */
    record SetPodCgroup(Resource resource, CgroupResources values) implements EnactStep {
        public SetPodCgroup {
            requireNonNull(resource, "resource");
            requireNonNull(values, "values");
        }
    }

    /**
     * CRI UpdateContainerResources with all of the container's new {@code values} (one call per changed container);
     * afterwards they are its actuated values.
     */
    record UpdateContainer(String container, ResourceValues values) implements EnactStep {
        public UpdateContainer {
            requireNonNull(container, "container");
            requireNonNull(values, "values");
        }
    }

    /** No runtime call is needed for this change (a memory request): just record it as actuated. */
    record RecordActuated(String container, ResourceValues values) implements EnactStep {
        public RecordActuated {
            requireNonNull(container, "container");
            requireNonNull(values, "values");
        }
    }

    /** CRI UpdatePodSandboxResources after the pod cgroup changed; Unimplemented is not an error. */
    record UpdatePodSandbox(CgroupResources podValues) implements EnactStep {
        public UpdatePodSandbox {
            requireNonNull(podValues, "podValues");
        }
    }

    /** First half of a RestartContainer resize: stop and remove the container. */
    record StopContainer(String container) implements EnactStep {
        public StopContainer {
            requireNonNull(container, "container");
        }
    }

    /** Second half of a RestartContainer resize: create and start it again with {@code values}. */
    record RecreateContainer(String container, ResourceValues values) implements EnactStep {
        public RecreateContainer {
            requireNonNull(container, "container");
            requireNonNull(values, "values");
        }
    }
}
