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
 * @param exited how the process ended, while the state is CONTAINER_EXITED and the runtime said; else null
 * @param previous how the container's previous instance (attempt) ended, or null (the API's {@code lastState})
 * @param backoffUntil while an exited container waits for its crash-loop back-off before it is started again, the
 *        instant it may be; else null
 */
public record RunningContainer(String name, String containerId, int restartCount, String state,
        ResourceValues actual, boolean fromCgroupFiles, Instant startedAt, Termination exited, Termination previous,
        Instant backoffUntil) {

    /** How a container's process ended: the runtime's exit code, reason ({@code Completed}, {@code Error}) and time. */
    public record Termination(int exitCode, String reason, Instant startedAt, Instant finishedAt, String containerId) {
        public Termination {
            reason = reason == null ? "" : reason;
        }
    }

    public RunningContainer {
        requireNonNull(name, "name");
        requireNonNull(containerId, "containerId");
        requireNonNull(state, "state");
    }

    /** A container the runtime reports without an exit (running, created, or exited before anything was known). */
    public RunningContainer(String name, String containerId, int restartCount, String state, ResourceValues actual,
            boolean fromCgroupFiles, Instant startedAt) {
        this(name, containerId, restartCount, state, actual, fromCgroupFiles, startedAt, null, null, null);
    }

    public boolean running() {
        return "CONTAINER_RUNNING".equals(state);
    }

    /** Exited (or stopped) and still known to the runtime under its id. */
    public boolean hasExited() {
        return "CONTAINER_EXITED".equals(state) && !containerId.isEmpty();
    }

    /** Exited with code 0 (an init container that completed). */
    public boolean succeeded() {
        return hasExited() && exited != null && exited.exitCode() == 0;
    }

    public RunningContainer removed() {
        return new RunningContainer(name, "", restartCount, "CONTAINER_EXITED", null, false, null, null,
                exited != null ? exited : previous, null);
    }

    /** This container waiting for its crash-loop back-off until {@code until} (null: not waiting). */
    public RunningContainer withBackoffUntil(Instant until) {
        return new RunningContainer(name, containerId, restartCount, state, actual, fromCgroupFiles, startedAt, exited,
                previous, until);
    }
}
