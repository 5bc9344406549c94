package dev.resizelet.core.runtime;

import dev.resizelet.cgroups.QosTier;
import dev.resizelet.core.enact.ResizePolicy;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResizeRestartPolicy;
import dev.resizelet.core.model.ResourceNames;
import dev.resizelet.core.model.ResourceRequirements;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Turns a model pod and its allocated resources into what {@link RuntimeEngine} runs. */
public final class ModelTargets {
    private ModelTargets() {
    }

    /**
     * The pod's app containers and sidecars, with {@code allocated}'s resources (never the desired ones), and the
     * allocated pod-level values under {@link PodTarget#POD_LEVEL} when the pod sets {@code spec.resources}. A
     * container without a cpu or memory limit of its own runs with the pod-level limit (the kubelet's
     * {@code generateLinuxContainerResources}: it inherits it, so a pod-level limit change resizes it, and restarts
     * it where its resize policy says so).
     */
    public static PodTarget target(Pod pod, PodResources allocated) {
        List<Container> containers = pod.resizableContainers();
        Map<String, ResourceValues> values = new HashMap<>();
        Map<String, ResizePolicy> cpu = new HashMap<>();
        Map<String, ResizePolicy> memory = new HashMap<>();
        ResourceValues podLevel = podLevel(allocated);
        if (podLevel != null) {
            values.put(PodTarget.POD_LEVEL, podLevel);
        }
        for (Container c : containers) {
            ResourceRequirements r = allocated.containers().getOrDefault(c.name(), c.resources());
            values.put(c.name(), podLevel == null ? values(r) : inheritLimits(values(r), podLevel));
            cpu.put(c.name(), policy(c.resizePolicyFor(ResourceNames.CPU)));
            memory.put(c.name(), policy(c.resizePolicyFor(ResourceNames.MEMORY)));
        }
        return new PodTarget(spec(pod, containers, podLevel), allocated.generation(), values, cpu, memory);
    }

    /**
     * What the runtime runs of {@code pod} (its containers, QoS tier, restart policy), without the resources a target
     * carries: enough to find the pod in the runtime and adopt it after a restart, before its allocation is restored.
     * Its init containers' values inherit the pod's own pod-level limits (a target's inherit the allocated ones).
     */
    public static PodSpec spec(Pod pod) {
        return spec(pod, pod.resizableContainers(), podLevel(pod.resources()));
    }

    /** The pod-level values when the pod sets {@code spec.resources}, else null. */
    public static ResourceValues podLevel(PodResources r) {
        return r.pod().requests().isEmpty() && r.pod().limits().isEmpty() ? null : values(r.pod());
    }

    private static PodSpec spec(Pod pod, List<Container> containers, ResourceValues podLevel) {
        Map<String, ContainerSpec> specs = new HashMap<>();
        Map<String, ResourceValues> initValues = new HashMap<>();
        for (Container c : pod.allContainers()) {
            specs.put(c.name(), new ContainerSpec(c.name(), c.image(), c.command(), c.args(), c.isSidecar()));
        }
        for (Container c : pod.initContainers()) {
            if (!c.isSidecar()) {
                ResourceValues v = values(c.resources());
                initValues.put(c.name(), podLevel == null ? v : inheritLimits(v, podLevel));
            }
        }
        return new PodSpec(pod.namespace(), pod.name(), pod.uid(), tier(pod),
                containers.stream().map(c -> specs.get(c.name())).toList(),
                pod.initContainers().stream().map(c -> specs.get(c.name())).toList(), initValues, pod.restartPolicy(),
                pod.effectiveTerminationGracePeriodSeconds());
    }

    /** A container's values with the pod-level cpu and memory limits where it has none of its own. */
    static ResourceValues inheritLimits(ResourceValues container, ResourceValues podLevel) {
        return new ResourceValues(container.cpuRequestMilli(),
                container.cpuLimitMilli() > 0 ? container.cpuLimitMilli() : podLevel.cpuLimitMilli(),
                container.memoryRequestBytes(),
                container.memoryLimitBytes() > 0 ? container.memoryLimitBytes() : podLevel.memoryLimitBytes());
    }

    public static ResourceValues values(ResourceRequirements r) {
        return new ResourceValues(milli(r.request(ResourceNames.CPU)), milli(r.limit(ResourceNames.CPU)),
                bytes(r.request(ResourceNames.MEMORY)), bytes(r.limit(ResourceNames.MEMORY)));
    }

    public static QosTier tier(Pod pod) {
        return switch (pod.qosClass()) {
            case GUARANTEED -> QosTier.GUARANTEED;
            case BURSTABLE -> QosTier.BURSTABLE;
            case BEST_EFFORT -> QosTier.BESTEFFORT;
        };
    }

    private static ResizePolicy policy(ResizeRestartPolicy p) {
        return p == ResizeRestartPolicy.RESTART_CONTAINER ? ResizePolicy.RESTART_CONTAINER : ResizePolicy.NOT_REQUIRED;
    }

    private static long milli(Quantity q) {
        return q == null ? 0 : q.milliValue();
    }

    private static long bytes(Quantity q) {
        return q == null ? 0 : q.value();
    }
}
