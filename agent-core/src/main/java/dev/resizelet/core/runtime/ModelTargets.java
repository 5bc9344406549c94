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

    /** The pod's app containers and sidecars, with {@code allocated}'s resources (never the desired ones). */
    public static PodTarget target(Pod pod, PodResources allocated) {
        List<Container> containers = pod.resizableContainers();
        Map<String, ResourceValues> values = new HashMap<>();
        Map<String, ResizePolicy> cpu = new HashMap<>();
        Map<String, ResizePolicy> memory = new HashMap<>();
        for (Container c : containers) {
            ResourceRequirements r = allocated.containers().getOrDefault(c.name(), c.resources());
            values.put(c.name(), values(r));
            cpu.put(c.name(), policy(c.resizePolicyFor(ResourceNames.CPU)));
            memory.put(c.name(), policy(c.resizePolicyFor(ResourceNames.MEMORY)));
        }
        Map<String, ContainerSpec> specs = new HashMap<>();
        Map<String, ResourceValues> initValues = new HashMap<>();
        for (Container c : pod.allContainers()) {
            specs.put(c.name(), new ContainerSpec(c.name(), c.image(), c.command(), c.args(), c.isSidecar()));
        }
        for (Container c : pod.initContainers()) {
            if (!c.isSidecar()) {
                initValues.put(c.name(), values(c.resources()));
            }
        }
        PodSpec spec = new PodSpec(pod.namespace(), pod.name(), pod.uid().value(), tier(pod),
                containers.stream().map(c -> specs.get(c.name())).toList(),
                pod.initContainers().stream().map(c -> specs.get(c.name())).toList(), initValues, pod.restartPolicy(),
                pod.effectiveTerminationGracePeriodSeconds());
        return new PodTarget(spec, allocated.generation(), values, cpu, memory);
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
