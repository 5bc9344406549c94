package dev.resizelet.core.enact;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.cgroups.QosTier;
import dev.resizelet.core.model.PodUid;
import java.util.List;

/**
 * The input of one enactment pass for a pod.
 *
 * @param podCgroup the pod's cgroup
 * @param podCurrent the pod cgroup's values as read from its files now (null fields: unknown)
 * @param containers the pod's containers in spec order
 * @param podLevel the allocated pod-level values ({@code spec.resources}); {@link ResourceValues#NONE} when not set
 */
public record PodEnactment(PodUid podUid, QosTier tier, CgroupName podCgroup, String sandboxId,
        CgroupResources podCurrent, List<ContainerEnactment> containers, ResourceValues podLevel) {

    /** A pod without pod-level resources. */
    public PodEnactment(PodUid podUid, QosTier tier, CgroupName podCgroup, String sandboxId,
            CgroupResources podCurrent, List<ContainerEnactment> containers) {
        this(podUid, tier, podCgroup, sandboxId, podCurrent, containers, ResourceValues.NONE);
    }

    public PodEnactment {
        requireNonNull(podUid, "podUid");
        requireNonNull(tier, "tier");
        requireNonNull(podCgroup, "podCgroup");
        requireNonNull(sandboxId, "sandboxId");
        requireNonNull(podCurrent, "podCurrent");
        containers = List.copyOf(containers);
        podLevel = podLevel == null ? ResourceValues.NONE : podLevel;
    }

    /** The pod cgroup values the allocated resources call for. */
    public CgroupResources podTarget() {
        return PodCgroupConfig.forPod(tier, containers.stream().map(ContainerEnactment::allocated).toList(), podLevel);
    }
}
