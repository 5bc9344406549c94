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
import dev.resizelet.cri.v1.UpdatePodSandboxResourcesRequest;
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

    /**
     * @param nextAttempt the attempt number of a recreated container (restartCount + 1), asked at creation
     */
    public CriPodOps(CriRuntime cri, PodLifecycle lifecycle, PodSpec pod, String sandboxId, ToIntFunction<String> nextAttempt) {
        this.cri = requireNonNull(cri, "cri");
        this.lifecycle = requireNonNull(lifecycle, "lifecycle");
        this.pod = requireNonNull(pod, "pod");
        this.sandboxId = requireNonNull(sandboxId, "sandboxId");
        this.nextAttempt = requireNonNull(nextAttempt, "nextAttempt");
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
            if (isBelowUsageRefusal(e.runtimeMessage())) {
                throw new MemoryLimitBelowUsageException(lifecycle.containerMemoryLimitFile(pod, containerId),
                        Long.toString(values.memoryLimitBytes()), e);
            }
            throw e;
        }
    }

    /** Whether a runtime error is runc's "memory limit below usage" refusal (runc 1.1: libcontainer/cgroups/fs). */
    static boolean isBelowUsageRefusal(String runtimeMessage) {
        return runtimeMessage != null && RUNC_BELOW_USAGE.matcher(runtimeMessage).find();
    }

    @Override
    public boolean updateSandbox(CgroupResources podValues) {
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
        try {
            cri.updatePodSandboxResources(UpdatePodSandboxResourcesRequest.newBuilder()
                    .setPodSandboxId(sandboxId).setResources(r).build());
            return true;
        } catch (CriUnimplementedException e) {
            return false;
        } catch (CriException e) {
            // not fatal (DESIGN §5): the pod cgroup already holds the values
            log.warn("UpdatePodSandboxResources failed sandbox={} error=\"{}\"", sandboxId, e.getMessage());
            return false;
        }
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
