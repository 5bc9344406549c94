package dev.resizelet.core.runtime;

import dev.resizelet.core.enact.Backoff;
import java.time.Duration;
import java.time.Instant;

/**
 * The kubelet's start order (the init part of {@code computePodActions}, sidecars enabled) as a pure function of
 * what the runtime runs: the one next thing to do for a pod. Init containers run one at a time in spec order, each
 * to completion (exit 0) before the next starts; a sidecar ({@code restartPolicy: Always}) only has to be running
 * (there are no startup probes here). App containers start once every init container completed or, for sidecars,
 * runs. Once an app container exists the pod is initialized: init containers are not run again, sidecars are
 * kept running.
 *
 * <p>Exited containers restart by the kubelet's rules: sidecars always; a failed init container unless the pod's
 * {@code restartPolicy} is Never (then the pod fails); app containers per {@code restartPolicy} (Always: always,
 * OnFailure: after a non-zero exit). The first restart is immediate, the n-th waits the crash-loop back-off
 * {@code initial * 2^(n-2)} (capped) after the container finished (kubelet: 10 s doubling to 5 min).
 */
public final class StartPlanner {
    /** The kubelet's crash-loop back-off: 10 s doubling up to 300 s. */
    public static final Backoff KUBELET_CRASH_LOOP = new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5));

    private StartPlanner() {
    }

    /** What to do next. */
    public sealed interface Step permits Start, WaitBackoff, WaitInit, InitFailed, Started {
    }

    /** Create and start {@code container} as attempt {@code attempt} (replacing an exited instance, if any). */
    public record Start(ContainerSpec container, int attempt) implements Step {
    }

    /** {@code container} exited and may be started again at {@code until}; nothing else can start before then. */
    public record WaitBackoff(String container, Instant until) implements Step {
    }

    /** An init container runs (or is being recreated): wait for it. */
    public record WaitInit(String container) implements Step {
    }

    /** An init container failed and the pod's restart policy is Never: the pod has failed, nothing starts. */
    public record InitFailed(String container) implements Step {
    }

    /**
     * Everything that should run was started; {@code nextRestart} is the earliest back-off end of an exited app
     * container or sidecar that will be restarted (null: none).
     */
    public record Started(String waiting, Instant nextRestart) implements Step {
    }

    public static Step next(PodSpec spec, RunningPod pod, Instant now, Backoff crashLoop) {
        boolean initialized = spec.appContainers().stream().anyMatch(c -> pod.container(c.name()).isPresent());
        String backoffName = null;
        Instant backoffUntil = null;
        for (ContainerSpec c : spec.initContainers()) {
            RunningContainer rc = pod.container(c.name()).orElse(null);
            if (initialized && !c.sidecar()) {
                continue; // completed before the app containers were created
            }
            if (rc == null) {
                return new Start(c, 0);
            }
            if (rc.containerId().isEmpty()) {
                if (!initialized) {
                    return new WaitInit(c.name()); // a resize recreates it
                }
                continue;
            }
            if (c.sidecar()) {
                if (!rc.hasExited()) {
                    if (!initialized && !rc.running()) {
                        return new WaitInit(c.name());
                    }
                    continue;
                }
                Step s = restart(c, rc, now, crashLoop);
                if (s instanceof WaitBackoff w && initialized) {
                    if (backoffUntil == null || w.until().isBefore(backoffUntil)) {
                        backoffName = w.container();
                        backoffUntil = w.until();
                    }
                    continue;
                }
                return s;
            }
            if (rc.succeeded()) {
                continue;
            }
            if (!rc.hasExited()) {
                return new WaitInit(c.name());
            }
            if (PodSpec.NEVER.equals(spec.restartPolicy())) {
                return new InitFailed(c.name());
            }
            return restart(c, rc, now, crashLoop);
        }
        for (ContainerSpec c : spec.appContainers()) {
            RunningContainer rc = pod.container(c.name()).orElse(null);
            if (rc == null) {
                return new Start(c, 0);
            }
            if (!rc.hasExited() || !restarts(spec.restartPolicy(), rc)) {
                continue;
            }
            Step s = restart(c, rc, now, crashLoop);
            if (s instanceof WaitBackoff w) {
                if (backoffUntil == null || w.until().isBefore(backoffUntil)) {
                    backoffName = w.container();
                    backoffUntil = w.until();
                }
                continue;
            }
            return s;
        }
        return new Started(backoffName, backoffUntil);
    }

    /** Whether an exited app container is started again under the pod's restart policy. */
    static boolean restarts(String restartPolicy, RunningContainer rc) {
        return switch (restartPolicy) {
            case PodSpec.NEVER -> false;
            case PodSpec.ON_FAILURE -> rc.exited() == null || rc.exited().exitCode() != 0;
            default -> true;
        };
    }

    /** A restart now, or the back-off to wait: none before the first restart, then initial doubling per restart. */
    static Step restart(ContainerSpec c, RunningContainer rc, Instant now, Backoff crashLoop) {
        int restarts = rc.restartCount();
        if (restarts == 0) {
            return new Start(c, 1);
        }
        Instant finished = rc.exited() != null && rc.exited().finishedAt() != null ? rc.exited().finishedAt() : now;
        Instant until = finished.plus(crashLoop.delay(restarts));
        return until.isAfter(now) ? new WaitBackoff(c.name(), until) : new Start(c, restarts + 1);
    }
}
