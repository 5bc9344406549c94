package dev.resizelet.core.enact;

import dev.resizelet.cgroups.CgroupResources;

/**
 * The runtime calls an enactment pass makes for one pod. The runtime package implements them over CRI;
 * unit tests record them. Every method throws an unchecked exception whose message is the runtime's.
 */
public interface PodRuntimeOps {
    /** UpdateContainerResources with the CRI form of {@code values}. */
    void updateContainer(String containerId, ResourceValues values);

    /** UpdatePodSandboxResources; returns false when the runtime does not implement it (not an error). */
    boolean updateSandbox(CgroupResources podValues);

    /** StopContainer then RemoveContainer; a container already gone is fine. */
    void stopAndRemove(String containerId);

    /** CreateContainer with {@code values} then StartContainer; returns the new container's id. */
    String createAndStart(String containerName, ResourceValues values);
}
