package dev.resizelet.cri;

import dev.resizelet.cri.listing.ListedContainer;
import dev.resizelet.cri.listing.ListedContainers;
import dev.resizelet.cri.v1.Container;
import dev.resizelet.cri.v1.ContainerStatusRequest;
import dev.resizelet.cri.v1.ContainerStatusResponse;
import dev.resizelet.cri.v1.CreateContainerRequest;
import dev.resizelet.cri.v1.CreateContainerResponse;
import dev.resizelet.cri.v1.LinuxContainerResources;
import dev.resizelet.cri.v1.ListContainersRequest;
import dev.resizelet.cri.v1.ListContainersResponse;
import dev.resizelet.cri.v1.ListPodSandboxRequest;
import dev.resizelet.cri.v1.ListPodSandboxResponse;
import dev.resizelet.cri.v1.RemoveContainerRequest;
import dev.resizelet.cri.v1.RemoveContainerResponse;
import dev.resizelet.cri.v1.RemovePodSandboxRequest;
import dev.resizelet.cri.v1.RemovePodSandboxResponse;
import dev.resizelet.cri.v1.RunPodSandboxRequest;
import dev.resizelet.cri.v1.RunPodSandboxResponse;
import dev.resizelet.cri.v1.StartContainerRequest;
import dev.resizelet.cri.v1.StartContainerResponse;
import dev.resizelet.cri.v1.StatusRequest;
import dev.resizelet.cri.v1.StatusResponse;
import dev.resizelet.cri.v1.StopContainerRequest;
import dev.resizelet.cri.v1.StopContainerResponse;
import dev.resizelet.cri.v1.StopPodSandboxRequest;
import dev.resizelet.cri.v1.StopPodSandboxResponse;
import dev.resizelet.cri.v1.UpdateContainerResourcesRequest;
import dev.resizelet.cri.v1.UpdateContainerResourcesResponse;
import dev.resizelet.cri.v1.UpdatePodSandboxResourcesRequest;
import dev.resizelet.cri.v1.UpdatePodSandboxResourcesResponse;
import dev.resizelet.cri.v1.VersionRequest;
import dev.resizelet.cri.v1.VersionResponse;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The CRI {@code runtime.v1.RuntimeService} calls resizelet makes, one method per RPC, taking and returning
 * the wire messages. Every unary call has a deadline; a failure is a {@link CriException} subtype that
 * names the RPC and the container or sandbox id. Implementations are thread-safe.
 */
public interface CriRuntime extends AutoCloseable {

    VersionResponse version(VersionRequest request);

    StatusResponse status(StatusRequest request);

    RunPodSandboxResponse runPodSandbox(RunPodSandboxRequest request);

    StopPodSandboxResponse stopPodSandbox(StopPodSandboxRequest request);

    RemovePodSandboxResponse removePodSandbox(RemovePodSandboxRequest request);

    ListPodSandboxResponse listPodSandbox(ListPodSandboxRequest request);

    CreateContainerResponse createContainer(CreateContainerRequest request);

    StartContainerResponse startContainer(StartContainerRequest request);

    StopContainerResponse stopContainer(StopContainerRequest request);

    RemoveContainerResponse removeContainer(RemoveContainerRequest request);

    ListContainersResponse listContainers(ListContainersRequest request);

    /**
     * ListContainers, read as {@link ListedContainers}: only each container's id, sandbox, metadata, state and creation
     * time (what a relist compares). Over gRPC the answer is parsed that way, labels and annotations skipped; this
     * default converts {@link #listContainers}'s.
     */
    default ListedContainers listContainerStates(ListContainersRequest request) {
        ListedContainers.Builder out = ListedContainers.newBuilder();
        for (Container c : listContainers(request).getContainersList()) {
            out.addContainers(ListedContainer.newBuilder().setId(c.getId()).setPodSandboxId(c.getPodSandboxId())
                    .setMetadata(c.getMetadata()).setState(c.getState()).setCreatedAt(c.getCreatedAt()));
        }
        return out.build();
    }

    ContainerStatusResponse containerStatus(ContainerStatusRequest request);

    UpdateContainerResourcesResponse updateContainerResources(UpdateContainerResourcesRequest request);

    /** Runtimes before CRI 1.33 answer {@link CriUnimplementedException}; callers treat that as not fatal. */
    UpdatePodSandboxResourcesResponse updatePodSandboxResources(UpdatePodSandboxResourcesRequest request);

    /**
     * Opens the {@code GetContainerEvents} stream (no deadline). Events arrive on a gRPC thread, in the
     * runtime's order. When the stream fails (the runtime restarted, say), the listener gets
     * {@link ContainerEventListener#onError} once and the subscription ends; subscribe again to resume.
     */
    CriSubscription subscribeContainerEvents(ContainerEventListener listener);

    /**
     * Starts ContainerStatus without waiting for the answer, so a caller can overlap several calls (an enactment pass
     * reads each updated container while it updates the next). The future fails with the {@link CriException} the
     * blocking call would throw; it may complete on a transport thread, so whoever waits on it does the real work.
     * The default makes the blocking call at once.
     */
    default CompletableFuture<ContainerStatusResponse> containerStatusAsync(ContainerStatusRequest request) {
        return now(() -> containerStatus(request));
    }

    /** UpdateContainerResources without waiting; see {@link #containerStatusAsync}. */
    default CompletableFuture<UpdateContainerResourcesResponse> updateContainerResourcesAsync(
            UpdateContainerResourcesRequest request) {
        return now(() -> updateContainerResources(request));
    }

    /** UpdatePodSandboxResources without waiting; see {@link #containerStatusAsync}. */
    default CompletableFuture<UpdatePodSandboxResourcesResponse> updatePodSandboxResourcesAsync(
            UpdatePodSandboxResourcesRequest request) {
        return now(() -> updatePodSandboxResources(request));
    }

    /** StopContainer without waiting (a pod's containers stop together); see {@link #containerStatusAsync}. */
    default CompletableFuture<StopContainerResponse> stopContainerAsync(StopContainerRequest request) {
        return now(() -> stopContainer(request));
    }

    /** The answer of a blocking call as a completed (or failed) future. */
    static <T> CompletableFuture<T> now(Supplier<T> call) {
        try {
            return CompletableFuture.completedFuture(call.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    default ContainerStatusResponse containerStatus(String containerId) {
        return containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId).build());
    }

    default UpdateContainerResourcesResponse updateContainerResources(String containerId, LinuxContainerResources linux) {
        return updateContainerResources(UpdateContainerResourcesRequest.newBuilder()
                .setContainerId(containerId).setLinux(linux).build());
    }

    /** Releases the connection the client opened (a borrowed channel stays open); later calls on an owned one fail with {@link CriUnavailableException}. */
    @Override
    void close();
}
