package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.cgroups.MemoryLimitBelowUsageException;
import dev.resizelet.core.enact.PodRuntimeOps;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.cri.CriException;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.CriUnimplementedException;
import dev.resizelet.cri.v1.LinuxContainerResources;
import dev.resizelet.cri.v1.UpdateContainerResourcesRequest;
import dev.resizelet.cri.v1.UpdatePodSandboxResourcesRequest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToIntFunction;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link PodRuntimeOps} over CRI for one pod. */
public final class CriPodOps implements PodRuntimeOps {
    private static final Logger log = LoggerFactory.getLogger(CriPodOps.class);

    private static final Pattern RUNC_BELOW_USAGE =
            Pattern.compile("unable to set memory limit to [0-9]+ \\(current usage: [0-9]+");

    private final CriRuntime cri;
    private final PodLifecycle lifecycle;
    private final PodSpec pod;
    private final String sandboxId;
    private final ToIntFunction<String> nextAttempt;
    private final AtomicReference<CompletableFuture<Boolean>> lastSandboxCall;

    /**
     * @param nextAttempt the attempt number of a recreated container (restartCount + 1), asked at creation
     * @param lastSandboxCall the pod's last UpdatePodSandboxResources (kept across passes): a new one is sent after it
     */
    public CriPodOps(CriRuntime cri, PodLifecycle lifecycle, PodSpec pod, String sandboxId, ToIntFunction<String> nextAttempt,
            AtomicReference<CompletableFuture<Boolean>> lastSandboxCall) {
        this.cri = requireNonNull(cri, "cri");
        this.lifecycle = requireNonNull(lifecycle, "lifecycle");
        this.pod = requireNonNull(pod, "pod");
        this.sandboxId = requireNonNull(sandboxId, "sandboxId");
        this.nextAttempt = requireNonNull(nextAttempt, "nextAttempt");
        this.lastSandboxCall = requireNonNull(lastSandboxCall, "lastSandboxCall");
    }

    /**
     * UpdateContainerResources. runc's refusal of a memory limit below usage (the kernel's EBUSY, which containerd
     * returns as UNKNOWN in runc's words, {@code unable to set memory limit to N (current usage: M, ...)}) becomes
     * a {@link MemoryLimitBelowUsageException}, as the same refusal of a cgroup file write does.
     */
    @Override
    public void updateContainer(String containerId, ResourceValues values) {
        try {
            cri.updateContainerResources(containerId, CriResources.toCri(values));
        } catch (CriException e) {
            throw belowUsageOr(e, containerId, values);
        }
    }

    @Override
    public CompletableFuture<Void> updateContainerAsync(String containerId, ResourceValues values) {
        UpdateContainerResourcesRequest request = UpdateContainerResourcesRequest.newBuilder()
                .setContainerId(containerId).setLinux(CriResources.toCri(values)).build();
        CompletableFuture<Void> done = new CompletableFuture<>();
        cri.updateContainerResourcesAsync(request).whenComplete((ok, failure) -> {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause == null) {
                done.complete(null);
            } else {
                done.completeExceptionally(cause instanceof CriException e ? belowUsageOr(e, containerId, values) : cause);
            }
        });
        return done;
    }

    /** runc's refusal as {@link MemoryLimitBelowUsageException}; any other error as it is. */
    private RuntimeException belowUsageOr(CriException e, String containerId, ResourceValues values) {
        if (isBelowUsageRefusal(e.runtimeMessage())) {
            return new MemoryLimitBelowUsageException(lifecycle.containerMemoryLimitFile(pod, containerId),
                    Long.toString(values.memoryLimitBytes()), e);
        }
        return e;
    }

    /** Whether a runtime error is runc's "memory limit below usage" refusal (runc 1.1: libcontainer/cgroups/fs). */
    static boolean isBelowUsageRefusal(String runtimeMessage) {
        return runtimeMessage != null && RUNC_BELOW_USAGE.matcher(runtimeMessage).find();
    }

    @Override
    public boolean updateSandbox(CgroupResources podValues) {
        try {
            cri.updatePodSandboxResources(sandboxRequest(podValues));
            return true;
        } catch (CriException e) {
            return sandboxFailed(e);
        }
    }

    /**
     * Sent once the pod's previous UpdatePodSandboxResources is answered (at once when none is in flight): calls on
     * one channel may be served in any order, and the runtime must end with the newest values.
     */
    @Override
    public CompletableFuture<Boolean> updateSandboxAsync(CgroupResources podValues) {
        UpdatePodSandboxResourcesRequest request = sandboxRequest(podValues);
        CompletableFuture<Boolean> before = lastSandboxCall.get();
        CompletableFuture<Boolean> call = before == null || before.isDone() ? sendSandbox(request)
                : before.thenCompose(answered -> sendSandbox(request)); // never fails: see sendSandbox
        lastSandboxCall.set(call);
        return call;
    }

    private CompletableFuture<Boolean> sendSandbox(UpdatePodSandboxResourcesRequest request) {
        return cri.updatePodSandboxResourcesAsync(request).handle((ok, failure) -> {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause == null) {
                return true;
            }
            if (cause instanceof CriException e) {
                return sandboxFailed(e);
            }
            log.warn("UpdatePodSandboxResources failed sandbox={} error=\"{}\"", sandboxId, cause.toString());
            return false;
        });
    }

    /** Not implemented (runtimes before CRI 1.33) is no error; any other failure is not fatal either (DESIGN §5). */
    private boolean sandboxFailed(CriException e) {
        if (!(e instanceof CriUnimplementedException)) {
            // the pod cgroup already holds the values
            log.warn("UpdatePodSandboxResources failed sandbox={} error=\"{}\"", sandboxId, e.getMessage());
        }
        return false;
    }

    private UpdatePodSandboxResourcesRequest sandboxRequest(CgroupResources podValues) {
        LinuxContainerResources.Builder r = LinuxContainerResources.newBuilder();
        if (podValues.cpuShares() != null) {
            r.setCpuShares(podValues.cpuShares());
        }
        if (podValues.cpuPeriod() != null) {
            r.setCpuPeriod(podValues.cpuPeriod());
        }
        if (podValues.cpuQuota() != null && podValues.cpuQuota() > 0) {
            r.setCpuQuota(podValues.cpuQuota());
        }
        if (podValues.memoryLimitBytes() != null && podValues.memoryLimitBytes() > 0) {
            r.setMemoryLimitInBytes(podValues.memoryLimitBytes());
        }
        return UpdatePodSandboxResourcesRequest.newBuilder().setPodSandboxId(sandboxId).setResources(r).build();
    }

    @Override
    public void stopAndRemove(String containerId) {
        // as the kubelet's killContainer for a pod that is not being deleted: the pod's termination grace period
        lifecycle.stopAndRemove(containerId, pod.terminationGracePeriodSeconds());
    }

    @Override
    public String createAndStart(String containerName, ResourceValues values) {
        return lifecycle.createAndStart(pod, sandboxId, pod.container(containerName), nextAttempt.applyAsInt(containerName), values);
    }
}
