package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.core.enact.ResourceValues;
import java.time.Instant;

/**
 * A container as the runtime last reported it.
 *
 * @param containerId the runtime's id; empty while a RestartContainer resize has it removed
 * @param restartCount the CRI attempt number of the current container
 * @param state CRI state name: CONTAINER_CREATED, CONTAINER_RUNNING, CONTAINER_EXITED, CONTAINER_UNKNOWN
 * @param actual the resources the runtime reports (or the cgroup files hold, for a legacy runtime); null if unknown
 * @param fromCgroupFiles true when {@code actual} was read from the cgroup files because the runtime reports none
 * @param startedAt when the container started, or null
 */
public record RunningContainer(String name, String containerId, int restartCount, String state,
        ResourceValues actual, boolean fromCgroupFiles, Instant startedAt) {
    public RunningContainer {
        requireNonNull(name, "name");
        requireNonNull(containerId, "containerId");
        requireNonNull(state, "state");
    }

    public boolean running() {
        return "CONTAINER_RUNNING".equals(state);
    }

    public RunningContainer removed() {
        return new RunningContainer(name, "", restartCount, "CONTAINER_EXITED", null, false, null);
    }
}
