package dev.resizelet.core.enact;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cgroups.CgroupException;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.MemoryLimitBelowUsageException;
import dev.resizelet.core.enact.EnactStep.CheckContainerMemoryUsage;
import dev.resizelet.core.enact.EnactStep.CheckPodMemoryUsage;
import dev.resizelet.core.enact.EnactStep.RecordActuated;
import dev.resizelet.core.enact.EnactStep.RecreateContainer;
import dev.resizelet.core.enact.EnactStep.SetPodCgroup;
import dev.resizelet.core.enact.EnactStep.StopContainer;
import dev.resizelet.core.enact.EnactStep.UpdateContainer;
import dev.resizelet.core.enact.EnactStep.UpdatePodSandbox;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a plan from {@link EnactmentPlanner} in its order. The first failure ends the pass; every success is reported
 * to the {@link ActuationListener} before the next step starts. Two kinds of step overlap instead of waiting in
 * line: the container updates of one wave (consecutive updates going the same way) are sent at once, and
 * UpdatePodSandboxResources (the pod cgroup already holds its values) is sent and not waited for: the call is best
 * effort, as the kubelet's, and the pass ends without its answer.
 */
public final class EnactmentExecutor {
    private static final Logger log = LoggerFactory.getLogger(EnactmentExecutor.class);

    private final CgroupManager cgroups;

    public EnactmentExecutor(CgroupManager cgroups) {
        this.cgroups = requireNonNull(cgroups, "cgroups");
    }

    public PassOutcome execute(PodEnactment pod, List<EnactStep> plan, PodRuntimeOps runtime, ActuationListener listener) {
        Map<String, String> ids = new HashMap<>();
        pod.containers().forEach(c -> ids.put(c.name(), c.containerId()));
        for (int i = 0; i < plan.size(); i++) {
            EnactStep step = plan.get(i);
            if (step instanceof UpdateContainer) {
                int end = waveEnd(pod, plan, i);
                PassOutcome failed = runWave(pod, plan.subList(i, end), ids, runtime, listener);
                if (failed != null) {
                    return failed;
                }
                i = end - 1;
                continue;
            }
            if (step instanceof UpdatePodSandbox s) {
                // the pod cgroup already holds the values: the runtime is told, and the pass does not wait for
                // its answer (best effort, as the kubelet's: a failure only logs)
                runtime.updateSandboxAsync(s.podValues()).thenAccept(applied -> {
                    if (!applied) {
                        log.debug("UpdatePodSandboxResources not applied by the runtime pod={}", pod.podUid());
                    }
                });
                continue;
            }
            PassOutcome failed = runOne(pod, step, ids, runtime, listener);
            if (failed != null) {
                return failed;
            }
        }
        return new PassOutcome.Completed(plan.size());
    }

    private PassOutcome runOne(PodEnactment pod, EnactStep step, Map<String, String> ids, PodRuntimeOps runtime,
            ActuationListener listener) {
        try {
            String refused = run(pod, step, ids, runtime, listener);
            if (refused != null) {
                log.info("resize held back pod={} step={} reason=\"{}\"", pod.podUid(), step, refused);
                return new PassOutcome.Failed(step, refused, true);
            }
            return null;
        } catch (MemoryLimitBelowUsageException e) {
            return new PassOutcome.Failed(step, e.getMessage(), true);
        } catch (RuntimeException e) {
            log.warn("resize step failed pod={} step={} error=\"{}\"", pod.podUid(), step, e.getMessage());
            return new PassOutcome.Failed(step, String.valueOf(e.getMessage()), false);
        }
    }

    /**
     * The end (exclusive) of the wave of container updates starting at {@code start}: the consecutive updates that go
     * the same way (all down, or all up). The planner orders decreases before increases, as the kubelet does, and the
     * pod cgroup holds room for both sides around them, so the updates of one wave touch independent cgroups and run
     * at once: one round trip to the runtime instead of one per container.
     */
    private static int waveEnd(PodEnactment pod, List<EnactStep> plan, int start) {
        boolean down = goesDown(pod, (UpdateContainer) plan.get(start));
        int end = start + 1;
        while (end < plan.size() && plan.get(end) instanceof UpdateContainer u && goesDown(pod, u) == down) {
            end++;
        }
        return end;
    }

    private static boolean goesDown(PodEnactment pod, UpdateContainer step) {
        for (ContainerEnactment c : pod.containers()) {
            if (c.name().equals(step.container())) {
                return EnactmentPlanner.goesDown(c);
            }
        }
        return false;
    }

    /**
     * Starts every update of the wave, waits for all, reports each accepted one to the listener in plan order, and
     * fails the pass with the first refused one (in plan order), as a pass of single steps would.
     */
    private PassOutcome runWave(PodEnactment pod, List<EnactStep> wave, Map<String, String> ids, PodRuntimeOps runtime,
            ActuationListener listener) {
        List<CompletableFuture<Void>> calls = new ArrayList<>(wave.size());
        for (EnactStep step : wave) {
            UpdateContainer u = (UpdateContainer) step;
            CompletableFuture<Void> call;
            try {
                call = runtime.updateContainerAsync(ids.get(u.container()), u.values());
            } catch (RuntimeException e) {
                call = CompletableFuture.failedFuture(e);
            }
            calls.add(call);
        }
        PassOutcome failed = null;
        for (int i = 0; i < wave.size(); i++) {
            UpdateContainer u = (UpdateContainer) wave.get(i);
            Throwable error = failure(calls.get(i));
            if (error == null) {
                listener.actuated(u.container(), u.values());
            } else if (failed == null) {
                failed = failedStep(pod, u, error);
            }
        }
        return failed;
    }

    /** Waits for the call; its failure (unwrapped), or null when the runtime accepted it. */
    private static Throwable failure(CompletableFuture<Void> call) {
        try {
            call.get();
            return null;
        } catch (ExecutionException e) {
            return e.getCause() == null ? e : e.getCause();
        } catch (CancellationException e) {
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the engine is closing: the pass ends as failed
            return new IllegalStateException("interrupted while waiting for the runtime", e);
        }
    }

    private static PassOutcome failedStep(PodEnactment pod, EnactStep step, Throwable error) {
        if (error instanceof MemoryLimitBelowUsageException) {
            return new PassOutcome.Failed(step, error.getMessage(), true);
        }
        log.warn("resize step failed pod={} step={} error=\"{}\"", pod.podUid(), step, error.getMessage());
        return new PassOutcome.Failed(step, String.valueOf(error.getMessage()), false);
    }

    /** Runs one step; returns the reason when a usage guard refuses, null when the step succeeded. */
    private String run(PodEnactment pod, EnactStep step, Map<String, String> ids, PodRuntimeOps runtime,
            ActuationListener listener) {
        if (step instanceof CheckPodMemoryUsage s) {
            return usageGuard(pod.podCgroup(), s.newLimitBytes(), "pod " + pod.podUid());
        } else if (step instanceof CheckContainerMemoryUsage s) {
            CgroupName cg = cgroups.layout().container(pod.podCgroup(), ids.get(s.container()));
            return usageGuard(cg, s.newLimitBytes(), "container " + s.container());
        } else if (step instanceof SetPodCgroup s) {
            cgroups.set(pod.podCgroup(), s.values());
            listener.podCgroupWritten(s.resource());
        } else if (step instanceof RecordActuated s) {
            listener.actuated(s.container(), s.values());
        } else if (step instanceof StopContainer s) {
            runtime.stopAndRemove(ids.get(s.container()));
            ids.put(s.container(), "");
            listener.removed(s.container());
        } else if (step instanceof RecreateContainer s) {
            listener.beforeRecreate(s.container(), s.values());
            String id = runtime.createAndStart(s.container(), s.values());
            ids.put(s.container(), id);
            listener.recreated(s.container(), id, s.values());
        } else {
            throw new IllegalStateException("unknown step " + step);
        }
        return null;
    }

    private String usageGuard(CgroupName cgroup, long newLimit, String what) {
        long usage;
        try {
            usage = cgroups.memoryUsage(cgroup);
        } catch (CgroupException e) {
            return "cannot read memory usage of " + what + ": " + e.getMessage();
        }
        if (usage >= newLimit) {
            return "memory limit (" + newLimit + ") below current usage (" + usage + ") of " + what;
        }
        return null;
    }
}
