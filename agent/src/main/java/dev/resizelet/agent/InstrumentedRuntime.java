package dev.resizelet.agent;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cri.ContainerEventListener;
import dev.resizelet.cri.CriException;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.CriSubscription;
import dev.resizelet.cri.v1.ContainerEventResponse;
import dev.resizelet.cri.v1.ContainerStatusRequest;
import dev.resizelet.cri.v1.ContainerStatusResponse;
import dev.resizelet.cri.v1.CreateContainerRequest;
import dev.resizelet.cri.v1.CreateContainerResponse;
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
 * A {@link CriRuntime} that records every call in {@link RuntimeMetrics}, as the kubelet's
 * {@code instrumentedRuntimeService} does: one operation and its duration per call, one error when it fails;
 * operation_type names are the kubelet's ({@code update_container}, {@code container_status}, ...).
 */
public final class InstrumentedRuntime implements CriRuntime {
    private final CriRuntime delegate;
    private final RuntimeMetrics metrics;

    public InstrumentedRuntime(CriRuntime delegate, RuntimeMetrics metrics) {
        this.delegate = requireNonNull(delegate, "delegate");
        this.metrics = requireNonNull(metrics, "metrics");
    }

    private <T> T record(String operation, Supplier<T> call) {
        long start = System.nanoTime();
        try {
            return call.get();
        } catch (RuntimeException e) { // CriException and anything else the call throws
            metrics.error(operation);
            throw e;
        } finally {
            metrics.observe(operation, System.nanoTime() - start);
        }
    }

    /** As {@link #record} for a call that answers later: timed until its future completes. */
    private <T> CompletableFuture<T> recordAsync(String operation, Supplier<CompletableFuture<T>> call) {
        long start = System.nanoTime();
        CompletableFuture<T> started;
        try {
            started = call.get();
        } catch (RuntimeException e) {
            metrics.error(operation);
            metrics.observe(operation, System.nanoTime() - start);
            throw e;
        }
        return started.whenComplete((v, failure) -> {
            if (failure != null) {
                metrics.error(operation);
            }
            metrics.observe(operation, System.nanoTime() - start);
        });
    }

    @Override
    public VersionResponse version(VersionRequest request) {
        return record("version", () -> delegate.version(request));
    }

    @Override
    public StatusResponse status(StatusRequest request) {
        return record("status", () -> delegate.status(request));
    }

    @Override
    public RunPodSandboxResponse runPodSandbox(RunPodSandboxRequest request) {
        return record("run_podsandbox", () -> delegate.runPodSandbox(request));
    }

    @Override
    public StopPodSandboxResponse stopPodSandbox(StopPodSandboxRequest request) {
        return record("stop_podsandbox", () -> delegate.stopPodSandbox(request));
    }

    @Override
    public RemovePodSandboxResponse removePodSandbox(RemovePodSandboxRequest request) {
        return record("remove_podsandbox", () -> delegate.removePodSandbox(request));
    }

    @Override
    public ListPodSandboxResponse listPodSandbox(ListPodSandboxRequest request) {
        return record("list_podsandbox", () -> delegate.listPodSandbox(request));
    }

    @Override
    public CreateContainerResponse createContainer(CreateContainerRequest request) {
        return record("create_container", () -> delegate.createContainer(request));
    }

    @Override
    public StartContainerResponse startContainer(StartContainerRequest request) {
        return record("start_container", () -> delegate.startContainer(request));
    }

    @Override
    public StopContainerResponse stopContainer(StopContainerRequest request) {
        return record("stop_container", () -> delegate.stopContainer(request));
    }

    @Override
    public RemoveContainerResponse removeContainer(RemoveContainerRequest request) {
        return record("remove_container", () -> delegate.removeContainer(request));
    }

    @Override
    public ListContainersResponse listContainers(ListContainersRequest request) {
        return record("list_containers", () -> delegate.listContainers(request));
    }

    @Override
    public dev.resizelet.cri.listing.ListedContainers listContainerStates(ListContainersRequest request) {
        return record("list_containers", () -> delegate.listContainerStates(request));
    }

    @Override
    public ContainerStatusResponse containerStatus(ContainerStatusRequest request) {
        return record("container_status", () -> delegate.containerStatus(request));
    }

    @Override
    public UpdateContainerResourcesResponse updateContainerResources(UpdateContainerResourcesRequest request) {
        return record("update_container", () -> delegate.updateContainerResources(request));
    }

    @Override
    public CompletableFuture<StopContainerResponse> stopContainerAsync(StopContainerRequest request) {
        return recordAsync("stop_container", () -> delegate.stopContainerAsync(request));
    }

    @Override
    public CompletableFuture<ContainerStatusResponse> containerStatusAsync(ContainerStatusRequest request) {
        return recordAsync("container_status", () -> delegate.containerStatusAsync(request));
    }

    @Override
    public CompletableFuture<UpdateContainerResourcesResponse> updateContainerResourcesAsync(
            UpdateContainerResourcesRequest request) {
        return recordAsync("update_container", () -> delegate.updateContainerResourcesAsync(request));
    }

    @Override
    public CompletableFuture<UpdatePodSandboxResourcesResponse> updatePodSandboxResourcesAsync(
            UpdatePodSandboxResourcesRequest request) {
        return recordAsync("update_podsandbox_resources", () -> delegate.updatePodSandboxResourcesAsync(request));
    }

    @Override
    public UpdatePodSandboxResourcesResponse updatePodSandboxResources(UpdatePodSandboxResourcesRequest request) {
        return record("update_podsandbox_resources", () -> delegate.updatePodSandboxResources(request));
    }

    /** Opening the stream is the operation; a stream that later fails counts one error. */
    @Override
    public CriSubscription subscribeContainerEvents(ContainerEventListener listener) {
        return record("get_container_events", () -> delegate.subscribeContainerEvents(new ContainerEventListener() {
            @Override
            public void onEvent(ContainerEventResponse event) {
                listener.onEvent(event);
            }

            @Override
            public void onError(CriException error) {
                metrics.error("get_container_events");
                listener.onError(error);
            }

            @Override
            public void onCompleted() {
                listener.onCompleted();
            }
        }));
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
