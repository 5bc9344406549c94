package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cgroups.QosTier;
import java.util.List;

/**
 * What the runtime needs to run a pod: identity, QoS tier (for its cgroup), containers in spec order, and the seconds a
 * container gets to stop when it is stopped outside a deletion (a RestartContainer resize): the pod's
 * {@code terminationGracePeriodSeconds}, as the kubelet's {@code killContainer} uses it.
 */
public record PodSpec(String namespace, String name, String uid, QosTier tier, List<ContainerSpec> containers,
                      long terminationGracePeriodSeconds) {
    public PodSpec {
        requireNonNull(namespace, "namespace");
        requireNonNull(name, "name");
        requireNonNull(uid, "uid");
        requireNonNull(tier, "tier");
        containers = List.copyOf(containers);
        if (terminationGracePeriodSeconds < 0) {
            throw new IllegalArgumentException("terminationGracePeriodSeconds must not be negative, got "
                    + terminationGracePeriodSeconds);
        }
    }

    /** A pod with the apiserver's default grace period (30 s). */
    public PodSpec(String namespace, String name, String uid, QosTier tier, List<ContainerSpec> containers) {
        this(namespace, name, uid, tier, containers, dev.resizelet.core.model.Pod.DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
    }

    public ContainerSpec container(String containerName) {
        return containers.stream().filter(c -> c.name().equals(containerName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("pod " + namespace + "/" + name
                        + " has no container " + containerName));
    }
}
