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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plans one enactment pass as data, in the kubelet's safe order (kuberuntime doPodResizeAction, DESIGN §5):
 * <ol>
 * <li>containers whose changed resource has the RestartContainer policy are stopped and removed;</li>
 * <li>memory: pod usage guard if the pod limit goes down; pod cgroup up; containers (decreases first, each
 * lowered limit behind a container usage guard); pod cgroup down;</li>
 * <li>CPU: pod quota up, pod shares up; containers (decreases first); pod shares down, pod quota down;</li>
 * <li>UpdatePodSandboxResources if any pod cgroup value changed;</li>
 * <li>the restarted containers are created and started with their allocated values.</li>
 * </ol>
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
        // what each in-place container holds as the plan goes on (memory updated before the CPU phase sends it)
        Map<String, ResourceValues> running = new LinkedHashMap<>();
        List<ContainerEnactment> inPlace = new ArrayList<>();
        for (ContainerEnactment c : pod.containers()) {
            if (!c.needsRestart()) {
                running.put(c.name(), c.actuated());
                inPlace.add(c);
            }
        }
        CgroupResources current = pod.podCurrent();
        CgroupResources target = pod.podTarget();
        int before = steps.size();
        planMemory(steps, current, target, inPlace, running);
        planCpu(steps, current, target, inPlace, running);
        boolean podChanged = steps.subList(before, steps.size()).stream().anyMatch(s -> s instanceof SetPodCgroup);
        for (ContainerEnactment c : inPlace) {
            ResourceValues now = running.get(c.name());
            if (!now.equals(c.allocated())) {
                // only what no cgroup holds is left (the memory request): record it
                steps.add(new RecordActuated(c.name(), c.allocated()));
            }
        }
        if (podChanged) {
            steps.add(new UpdatePodSandbox(target));
        }
        for (ContainerEnactment c : restarts) {
            steps.add(new RecreateContainer(c.name(), c.allocated()));
        }
        return List.copyOf(steps);
    }

    private static void planMemory(List<EnactStep> steps, CgroupResources current, CgroupResources target,
            List<ContainerEnactment> inPlace, Map<String, ResourceValues> running) {
        int cmp = compareLimit(target.memoryLimitBytes(), current.memoryLimitBytes());
        CgroupResources podMemory = target.memoryOnly();
        if (cmp < 0) {
            steps.add(new CheckPodMemoryUsage(target.memoryLimitBytes()));
        }
        if (cmp > 0) {
            steps.add(new SetPodCgroup(Resource.MEMORY, podMemory));
        }
        List<ContainerEnactment> changed = new ArrayList<>();
        for (ContainerEnactment c : inPlace) {
            if (c.actuated().memoryLimitBytes() != c.allocated().memoryLimitBytes()) {
                changed.add(c);
            }
        }
        for (ContainerEnactment c : decreasesFirst(changed, Resource.MEMORY)) {
            ResourceValues send = running.get(c.name()).withMemoryOf(c.allocated());
            if (c.allocated().memoryLimitBytes() > 0
                    && (c.actuated().memoryLimitBytes() == 0 || c.allocated().memoryLimitBytes() < c.actuated().memoryLimitBytes())) {
                steps.add(new CheckContainerMemoryUsage(c.name(), c.allocated().memoryLimitBytes()));
            }
            steps.add(new UpdateContainer(c.name(), Resource.MEMORY, send));
            running.put(c.name(), send);
        }
        if (cmp < 0) {
            steps.add(new SetPodCgroup(Resource.MEMORY, podMemory));
        }
    }

    private static void planCpu(List<EnactStep> steps, CgroupResources current, CgroupResources target,
            List<ContainerEnactment> inPlace, Map<String, ResourceValues> running) {
        int quotaCmp = compareLimit(target.cpuQuota(), current.cpuQuota());
        if (quotaCmp == 0 && current.cpuPeriod() != null && !current.cpuPeriod().equals(target.cpuPeriod())) {
            quotaCmp = 1;
        }
        int sharesCmp = current.cpuShares() == null ? 1 : Long.compare(target.cpuShares(), current.cpuShares());
        CgroupResources quota = new CgroupResources(null, target.cpuQuota(), target.cpuPeriod(), null);
        CgroupResources shares = new CgroupResources(target.cpuShares(), null, null, null);
        if (target.cpuQuota() != null && quotaCmp > 0) {
            steps.add(new SetPodCgroup(Resource.CPU, quota));
        }
        if (sharesCmp > 0) {
            steps.add(new SetPodCgroup(Resource.CPU, shares));
        }
        List<ContainerEnactment> changed = new ArrayList<>();
        for (ContainerEnactment c : inPlace) {
            if (c.actuated().cpuDiffers(c.allocated())) {
                changed.add(c);
            }
        }
        for (ContainerEnactment c : decreasesFirst(changed, Resource.CPU)) {
            ResourceValues send = running.get(c.name()).withCpuOf(c.allocated());
            steps.add(new UpdateContainer(c.name(), Resource.CPU, send));
            running.put(c.name(), send);
        }
        if (sharesCmp < 0) {
            steps.add(new SetPodCgroup(Resource.CPU, shares));
        }
        if (target.cpuQuota() != null && quotaCmp < 0) {
            steps.add(new SetPodCgroup(Resource.CPU, quota));
        }
    }

    /** Containers whose value goes down first, then those going up; spec order within each group (kubelet). */
    static List<ContainerEnactment> decreasesFirst(List<ContainerEnactment> changed, Resource resource) {
        List<ContainerEnactment> down = new ArrayList<>();
        List<ContainerEnactment> up = new ArrayList<>();
        for (ContainerEnactment c : changed) {
            (decreases(c, resource) ? down : up).add(c);
        }
        down.addAll(up);
        return down;
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
