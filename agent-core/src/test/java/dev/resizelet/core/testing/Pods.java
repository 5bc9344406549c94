package dev.resizelet.core.testing;

import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small builders for pods in tests. */
public final class Pods {

    private Pods() {
    }

    /** Requirements from "cpu=100m,memory=1Gi" style strings; either may be empty. */
    public static ResourceRequirements res(String requests, String limits) {
        return new ResourceRequirements(list(requests), list(limits));
    }

    public static Map<String, Quantity> list(String spec) {
        Map<String, Quantity> m = new LinkedHashMap<>();
        if (spec == null || spec.isBlank()) {
            return m;
        }
        for (String kv : spec.split(",")) {
            String[] p = kv.split("=", 2);
            m.put(p[0].trim(), Quantity.parse(p[1].trim()));
        }
        return m;
    }

    public static Container container(String name, String requests, String limits) {
        return Container.of(name, "registry.k8s.io/pause:3.9", res(requests, limits));
    }

    public static Pod pod(String uid, Container... containers) {
        return Pod.of("default", "pod-" + uid, PodUid.of(uid), List.of(containers));
    }

    /** A one-container pod with cpu/memory requests (Burstable). */
    public static Pod burstable(String uid, long cpuMillis, long memBytes) {
        return pod(uid, container("c", "cpu=" + cpuMillis + "m,memory=" + memBytes, ""));
    }

    public static Pod withPriority(Pod p, int priority) {
        return new Pod(p.namespace(), p.name(), p.uid(), p.generation(), priority, p.annotations(),
                p.initContainers(), p.containers());
    }

    /** The pod's first container with new requests/limits and generation + 1. */
    public static Pod resized(Pod p, String requests, String limits) {
        Container c = p.containers().get(0).withResources(res(requests, limits));
        return new Pod(p.namespace(), p.name(), p.uid(), p.generation() + 1, p.priority(), p.annotations(),
                p.initContainers(), List.of(c));
    }
}
