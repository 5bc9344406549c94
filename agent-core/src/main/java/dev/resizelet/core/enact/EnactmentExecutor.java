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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a plan from {@link EnactmentPlanner} step by step. The first failure ends the pass; every success is
 * reported to the {@link ActuationListener} before the next step starts.
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
        for (EnactStep step : plan) {
            try {
                String refused = run(pod, step, ids, runtime, listener);
                if (refused != null) {
                    log.info("resize held back pod={} step={} reason=\"{}\"", pod.podUid(), step, refused);
                    return new PassOutcome.Failed(step, refused, true);
                }
            } catch (MemoryLimitBelowUsageException e) {
                return new PassOutcome.Failed(step, e.getMessage(), true);
            } catch (RuntimeException e) {
                log.warn("resize step failed pod={} step={} error=\"{}\"", pod.podUid(), step, e.getMessage());
                return new PassOutcome.Failed(step, String.valueOf(e.getMessage()), false);
            }
        }
        return new PassOutcome.Completed(plan.size());
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
        } else if (step instanceof UpdateContainer s) {
            runtime.updateContainer(ids.get(s.container()), s.values());
            listener.actuated(s.container(), s.values());
        } else if (step instanceof RecordActuated s) {
            listener.actuated(s.container(), s.values());
        } else if (step instanceof UpdatePodSandbox s) {
            if (!runtime.updateSandbox(s.podValues())) {
                log.debug("UpdatePodSandboxResources not implemented by the runtime pod={}", pod.podUid());
            }
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
