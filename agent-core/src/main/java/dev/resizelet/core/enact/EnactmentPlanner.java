package dev.resizelet.core.enact;

import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.core.enact.EnactStep.CheckContainerMemoryUsage;
import dev.resizelet.core.enact.EnactStep.CheckPodMemoryUsage;
import dev.resizelet.core.enact.EnactStep.RecordActuated;
import dev.resizelet.core.enact.EnactStep.RecreateContainer;
import dev.resizelet.core.enact.EnactStep.SetPodCgroup;
import dev.resizelet.core.enact.EnactStep.StopContainer;
import dev.resizelet.core.enact.EnactStep.UpdateContainer;
import dev.resizelet.core.enact.EnactStep.UpdatePodSandbox;
import java.util.ArrayList;
import java.util.List;

/**
 * Plans one enactment pass as data, in the kubelet's safe order (kuberuntime doPodResizeAction, DESIGN §5), with
 * one runtime call per changed container:
 * <ol>
 * <li>containers whose changed resource has the RestartContainer policy are stopped and removed;</li>
 * <li>memory usage guards: the pod's if its limit goes down, each container's whose limit goes down (before
 * anything is written, so a refused resize changes nothing);</li>
 * <li>every pod cgroup value that goes up (memory limit, cpu quota, cpu shares);</li>
 * <li>one UpdateContainerResources per changed container with all its new values, containers whose values go down
 * first (the kubelet's order within a resource);</li>
 * <li>every pod cgroup value that goes down (memory limit, cpu shares, cpu quota);</li>
 * <li>UpdatePodSandboxResources if any pod cgroup value changed;</li>
 * <li>the restarted containers are created and started with their allocated values.</li>
 * </ol>
 * The pod cgroup holds at least the larger of the old and new sum of its containers at every step, as the kubelet's
 * per-resource passes ensure, with half the container updates when both resources change.
 * Pure: no I/O, so the order is a unit-testable value.
 */
public final class EnactmentPlanner {
    private EnactmentPlanner() {
    }

    public static List<EnactStep> plan(PodEnactment pod) {
        List<EnactStep> steps = new ArrayList<>();
        List<ContainerEnactment> restarts = pod.containers().stream().filter(ContainerEnactment::needsRestart).toList();
        for (ContainerEnactment c : restarts) {
            if (c.present()) {
                steps.add(new StopContainer(c.name()));
            }
        }
        List<ContainerEnactment> inPlace = pod.containers().stream().filter(c -> !c.needsRestart()).toList();
        CgroupResources current = pod.podCurrent();
        CgroupResources target = pod.podTarget();
        int memoryCmp = compareLimit(target.memoryLimitBytes(), current.memoryLimitBytes());
        int quotaCmp = compareLimit(target.cpuQuota(), current.cpuQuota());
        if (quotaCmp == 0 && current.cpuPeriod() != null && !current.cpuPeriod().equals(target.cpuPeriod())) {
            quotaCmp = 1;
        }
        int sharesCmp = current.cpuShares() == null ? 1 : Long.compare(target.cpuShares(), current.cpuShares());
        CgroupResources memory = target.memoryOnly();
        CgroupResources quota = new CgroupResources(null, target.cpuQuota(), target.cpuPeriod(), null);
        CgroupResources shares = new CgroupResources(target.cpuShares(), null, null, null);
        boolean quotaKnown = target.cpuQuota() != null;

        // guards first: nothing is written if a lowered memory limit is at or below usage
        if (memoryCmp < 0) {
            steps.add(new CheckPodMemoryUsage(target.memoryLimitBytes()));
        }
        List<ContainerEnactment> changed = new ArrayList<>();
        for (ContainerEnactment c : inPlace) {
            if (c.actuated().cpuDiffers(c.allocated()) || c.actuated().memoryDiffers(c.allocated())) {
                changed.add(c);
            }
            if (lowersMemoryLimit(c)) {
                steps.add(new CheckContainerMemoryUsage(c.name(), c.allocated().memoryLimitBytes()));
            }
        }
        int guards = steps.size();
        if (memoryCmp > 0) {
            steps.add(new SetPodCgroup(Resource.MEMORY, memory));
        }
        if (quotaKnown && quotaCmp > 0) {
            steps.add(new SetPodCgroup(Resource.CPU, quota));
        }
        if (sharesCmp > 0) {
            steps.add(new SetPodCgroup(Resource.CPU, shares));
        }
        for (ContainerEnactment c : decreasesFirst(changed)) {
            if (c.actuated().memoryLimitBytes() == c.allocated().memoryLimitBytes() && !c.actuated().cpuDiffers(c.allocated())) {
                // only what no cgroup holds changed (the memory request): record it, no runtime call
                steps.add(new RecordActuated(c.name(), c.allocated()));
            } else {
                steps.add(new UpdateContainer(c.name(), c.allocated()));
            }
        }
        if (memoryCmp < 0) {
            steps.add(new SetPodCgroup(Resource.MEMORY, memory));
        }
        if (sharesCmp < 0) {
            steps.add(new SetPodCgroup(Resource.CPU, shares));
        }
        if (quotaKnown && quotaCmp < 0) {
            steps.add(new SetPodCgroup(Resource.CPU, quota));
        }
        boolean podChanged = steps.subList(guards, steps.size()).stream().anyMatch(s -> s instanceof SetPodCgroup);
        if (podChanged) {
            steps.add(new UpdatePodSandbox(target));
        }
        for (ContainerEnactment c : restarts) {
            steps.add(new RecreateContainer(c.name(), c.allocated()));
        }
        if (steps.size() == guards) {
            return List.of(); // nothing to write: the guards alone are no pass
        }
        return List.copyOf(steps);
    }

    /** A memory limit that is set and goes down (or is set where there was none): its usage must be checked. */
    private static boolean lowersMemoryLimit(ContainerEnactment c) {
        long to = c.allocated().memoryLimitBytes();
        long from = c.actuated().memoryLimitBytes();
        return to > 0 && (from == 0 || to < from);
    }

    /**
     * Containers whose values go down first, then those going up; spec order within each group (kubelet). A
     * container counts as going down if its memory limit does, or, memory unchanged, its cpu does.
     */
    static List<ContainerEnactment> decreasesFirst(List<ContainerEnactment> changed) {
        List<ContainerEnactment> down = new ArrayList<>();
        List<ContainerEnactment> up = new ArrayList<>();
        for (ContainerEnactment c : changed) {
            (goesDown(c) ? down : up).add(c);
        }
        down.addAll(up);
        return down;
    }

    /** Whether the container's update belongs to the decreases (updated before the increases). */
    static boolean goesDown(ContainerEnactment c) {
        boolean memoryChanged = c.actuated().memoryLimitBytes() != c.allocated().memoryLimitBytes();
        return memoryChanged ? decreases(c, Resource.MEMORY) : decreases(c, Resource.CPU);
    }

    // kubelet compares limits, and for CPU falls back to requests when the limit is unchanged; 0 = unlimited
    private static boolean decreases(ContainerEnactment c, Resource resource) {
        ResourceValues from = c.actuated();
        ResourceValues to = c.allocated();
        if (resource == Resource.MEMORY) {
            return limitLess(to.memoryLimitBytes(), from.memoryLimitBytes());
        }
        if (to.cpuLimitMilli() != from.cpuLimitMilli()) {
            return limitLess(to.cpuLimitMilli(), from.cpuLimitMilli());
        }
        return to.effectiveCpuRequestMilli() < from.effectiveCpuRequestMilli();
    }

    private static boolean limitLess(long to, long from) {
        long t = to == 0 ? Long.MAX_VALUE : to;
        long f = from == 0 ? Long.MAX_VALUE : from;
        return t < f;
    }

    /** Compares cgroup limits where -1 is unlimited and null (unknown) counts as below anything. */
    private static int compareLimit(Long target, Long current) {
        if (target == null) {
            return 0;
        }
        if (current == null) {
            return 1;
        }
        long t = target == CgroupResources.UNLIMITED ? Long.MAX_VALUE : target;
        long c = current == CgroupResources.UNLIMITED ? Long.MAX_VALUE : current;
        return Long.compare(t, c);
    }
}
