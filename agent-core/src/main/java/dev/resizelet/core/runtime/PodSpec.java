package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cgroups.QosTier;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.PodUid;
import java.util.List;
import java.util.Map;

/**
 * What the runtime needs to run a pod: identity, QoS tier (for its cgroup), the containers whose resources are
 * enacted ({@code containers}: app containers, then sidecars) and the start order.
 *
 * @param initContainers every init container in spec order, sidecars included (the same specs as in
 *        {@code containers}); they run before the app containers
 * @param initResources the values of the init containers that are not sidecars (they are never resized)
 * @param restartPolicy the pod's {@code spec.restartPolicy}: Always, OnFailure or Never
 * @param terminationGracePeriodSeconds the seconds a container gets to stop when it is stopped outside a deletion (a
 *        RestartContainer resize): the pod's {@code terminationGracePeriodSeconds}, as the kubelet's
 *        {@code killContainer} uses it
 */
public record PodSpec(String namespace, String name, PodUid uid, QosTier tier, List<ContainerSpec> containers,
        List<ContainerSpec> initContainers, Map<String, ResourceValues> initResources, String restartPolicy,
        long terminationGracePeriodSeconds) {
    public static final String ALWAYS = "Always";
    public static final String ON_FAILURE = "OnFailure";
    public static final String NEVER = "Never";

    public PodSpec {
        requireNonNull(namespace, "namespace");
        requireNonNull(name, "name");
        requireNonNull(uid, "uid");
        requireNonNull(tier, "tier");
        containers = List.copyOf(containers);
        initContainers = List.copyOf(initContainers == null ? List.of() : initContainers);
        initResources = Map.copyOf(initResources == null ? Map.of() : initResources);
        restartPolicy = restartPolicy == null ? ALWAYS : restartPolicy;
        for (ContainerSpec c : initContainers) {
            if (!c.sidecar() && !initResources.containsKey(c.name())) {
                throw new IllegalArgumentException("no resources for init container " + c.name());
            }
        }
        if (terminationGracePeriodSeconds < 0) {
            throw new IllegalArgumentException("terminationGracePeriodSeconds must not be negative, got "
                    + terminationGracePeriodSeconds);
        }
    }

    /** With the apiserver's default grace period (30 s). */
    public PodSpec(String namespace, String name, PodUid uid, QosTier tier, List<ContainerSpec> containers,
            List<ContainerSpec> initContainers, Map<String, ResourceValues> initResources, String restartPolicy) {
        this(namespace, name, uid, tier, containers, initContainers, initResources, restartPolicy,
                dev.resizelet.core.model.Pod.DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS);
    }

    /** A pod without init containers, restart policy Always, the default grace period. */
    public PodSpec(String namespace, String name, PodUid uid, QosTier tier, List<ContainerSpec> containers) {
        this(namespace, name, uid, tier, containers, List.of(), Map.of(), ALWAYS);
    }

    /** A pod without init containers, restart policy Always, with its grace period. */
    public PodSpec(String namespace, String name, PodUid uid, QosTier tier, List<ContainerSpec> containers,
            long terminationGracePeriodSeconds) {
        this(namespace, name, uid, tier, containers, List.of(), Map.of(), ALWAYS, terminationGracePeriodSeconds);
    }

    public ContainerSpec container(String containerName) {
        return containers.stream().filter(c -> c.name().equals(containerName)).findFirst()
                .or(() -> initContainers.stream().filter(c -> c.name().equals(containerName)).findFirst())
                .orElseThrow(() -> new IllegalArgumentException("pod " + namespace + "/" + name
                        + " has no container " + containerName));
    }

    /** The app containers ({@code spec.containers}), in order. */
    public List<ContainerSpec> appContainers() {
        return containers.stream().filter(c -> !c.sidecar()).toList();
    }
}
