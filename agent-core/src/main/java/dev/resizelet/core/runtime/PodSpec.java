package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cgroups.QosTier;
import java.util.List;

/** What the runtime needs to run a pod: identity, QoS tier (for its cgroup) and containers in spec order. */
public record PodSpec(String namespace, String name, String uid, QosTier tier, List<ContainerSpec> containers) {
    public PodSpec {
        requireNonNull(namespace, "namespace");
        requireNonNull(name, "name");
        requireNonNull(uid, "uid");
        requireNonNull(tier, "tier");
        containers = List.copyOf(containers);
    }

    public ContainerSpec container(String containerName) {
        return containers.stream().filter(c -> c.name().equals(containerName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("pod " + namespace + "/" + name
                        + " has no container " + containerName));
    }
}
