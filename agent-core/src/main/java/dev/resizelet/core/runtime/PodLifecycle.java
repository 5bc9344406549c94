package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.core.enact.PodCgroupConfig;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.cri.CriNotFoundException;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.v1.ContainerConfig;
import dev.resizelet.cri.v1.CreateContainerRequest;
import dev.resizelet.cri.v1.PodSandboxConfig;
import dev.resizelet.cri.v1.RemoveContainerRequest;
import dev.resizelet.cri.v1.RemovePodSandboxRequest;
import dev.resizelet.cri.v1.RunPodSandboxRequest;
import dev.resizelet.cri.v1.StartContainerRequest;
import dev.resizelet.cri.v1.StopContainerRequest;
import dev.resizelet.cri.v1.StopPodSandboxRequest;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Just enough pod lifecycle to have something to resize: pod cgroup, sandbox, containers up; and down again.
 * Called only from the pod's worker lane.
 */
public final class PodLifecycle {
    private static final Logger log = LoggerFactory.getLogger(PodLifecycle.class);
    /** Seconds a container gets to stop (the kubelet's default grace period is 30). */
    static final long STOP_TIMEOUT_SECONDS = 10;

    private final CriRuntime cri;
    private final CgroupManager cgroups;

    public PodLifecycle(CriRuntime cri, CgroupManager cgroups) {
        this.cri = requireNonNull(cri, "cri");
        this.cgroups = requireNonNull(cgroups, "cgroups");
    }

    public CgroupName podCgroup(PodSpec pod) {
        return cgroups.layout().pod(pod.tier(), pod.uid());
    }

    /**
     * Creates the pod cgroup with the pod-level values of {@code allocated}, runs the sandbox, then creates and
     * starts every container with its allocated values. On failure, what was made is torn down and the error
     * rethrown, so the next attempt starts clean.
     */
    public RunningPod start(PodSpec pod, Map<String, ResourceValues> allocated) {
        CgroupName podCgroup = podCgroup(pod);
        List<ResourceValues> values = pod.containers().stream().map(c -> valuesOf(allocated, c.name())).toList();
        cgroups.create(podCgroup);
        cgroups.set(podCgroup, PodCgroupConfig.forPod(pod.tier(), values));
        PodSandboxConfig sandboxConfig = SandboxConfigs.sandbox(pod, podCgroup, cgroups.config().driver());
        String sandboxId;
        try {
            sandboxId = cri.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(sandboxConfig).build())
                    .getPodSandboxId();
        } catch (RuntimeException e) {
            removeCgroupQuietly(podCgroup);
            throw e;
        }
        RunningPod running = new RunningPod(pod.uid(), sandboxId, podCgroup, List.of());
        try {
            for (ContainerSpec c : pod.containers()) {
                String id = createAndStart(pod, sandboxId, c, 0, valuesOf(allocated, c.name()));
                running = running.with(new RunningContainer(c.name(), id, 0, "CONTAINER_RUNNING", null, false, null));
            }
        } catch (RuntimeException e) {
            stopQuietly(running);
            throw e;
        }
        log.info("pod started pod={}/{} uid={} sandbox={} containers={}", pod.namespace(), pod.name(), pod.uid(),
                sandboxId, running.containers().size());
        return running;
    }

    /** CreateContainer (attempt {@code attempt}) with {@code values}, then StartContainer; returns the id. */
    public String createAndStart(PodSpec pod, String sandboxId, ContainerSpec c, int attempt, ResourceValues values) {
        CgroupName podCgroup = podCgroup(pod);
        ContainerConfig config = SandboxConfigs.container(pod, c, attempt, values);
        String id = cri.createContainer(CreateContainerRequest.newBuilder()
                .setPodSandboxId(sandboxId)
                .setConfig(config)
                .setSandboxConfig(SandboxConfigs.sandbox(pod, podCgroup, cgroups.config().driver()))
                .build()).getContainerId();
        cri.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    /** StopContainer then RemoveContainer; a container that is already gone is fine. */
    public void stopAndRemove(String containerId) {
        if (containerId.isEmpty()) {
            return;
        }
        try {
            cri.stopContainer(StopContainerRequest.newBuilder()
                    .setContainerId(containerId).setTimeout(STOP_TIMEOUT_SECONDS).build());
        } catch (CriNotFoundException e) {
            log.debug("container already gone container={}", containerId);
        }
        cri.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(containerId).build());
    }

    /** Stops and removes the containers, stops and removes the sandbox, removes the pod cgroup. */
    public void stop(RunningPod pod) {
        for (RunningContainer c : pod.containers()) {
            stopAndRemove(c.containerId());
        }
        try {
            cri.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod.sandboxId()).build());
        } catch (CriNotFoundException e) {
            log.debug("sandbox already gone sandbox={}", pod.sandboxId());
        }
        cri.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.sandboxId()).build());
        cgroups.remove(pod.podCgroup());
        log.info("pod stopped uid={} sandbox={}", pod.uid(), pod.sandboxId());
    }

    private void stopQuietly(RunningPod running) {
        try {
            stop(running);
        } catch (RuntimeException e) {
            log.warn("cleanup after a failed start failed uid={} error=\"{}\"", running.uid(), e.getMessage());
        }
    }

    private void removeCgroupQuietly(CgroupName podCgroup) {
        try {
            cgroups.remove(podCgroup);
        } catch (RuntimeException e) {
            log.warn("cannot remove pod cgroup cgroup={} error=\"{}\"", podCgroup, e.getMessage());
        }
    }

    private static ResourceValues valuesOf(Map<String, ResourceValues> allocated, String name) {
        ResourceValues v = allocated.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no allocated resources for container " + name);
        }
        return v;
    }
}
