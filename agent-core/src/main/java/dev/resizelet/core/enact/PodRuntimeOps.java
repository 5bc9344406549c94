package dev.resizelet.core.enact;

import dev.resizelet.cgroups.CgroupResources;
import java.util.concurrent.CompletableFuture;

/**
 * The runtime calls an enactment pass makes for one pod. The runtime package implements them over CRI;
 * unit tests record them. Every method throws an unchecked exception whose message is the runtime's.
 */
public interface PodRuntimeOps {
    /** UpdateContainerResources with the CRI form of {@code values}. */
    void updateContainer(String containerId, ResourceValues values);

    /** UpdatePodSandboxResources; returns false when the runtime does not implement it (not an error). */
    boolean updateSandbox(CgroupResources podValues);

    /**
     * Starts UpdateContainerResources without waiting, so a pass can update several containers at once; the future
     * fails as {@link #updateContainer} throws. The default makes the blocking call now.
     */
    default CompletableFuture<Void> updateContainerAsync(String containerId, ResourceValues values) {
        try {
            updateContainer(containerId, values);
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Starts UpdatePodSandboxResources without waiting; completes as {@link #updateSandbox} returns, never fails. */
    default CompletableFuture<Boolean> updateSandboxAsync(CgroupResources podValues) {
        return CompletableFuture.completedFuture(updateSandbox(podValues));
    }

    /** StopContainer then RemoveContainer; a container already gone is fine. */
    void stopAndRemove(String containerId);

    /** CreateContainer with {@code values} then StartContainer; returns the new container's id. */
    String createAndStart(String containerName, ResourceValues values);
}
