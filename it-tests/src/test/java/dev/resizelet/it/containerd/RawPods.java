package dev.resizelet.it.containerd;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cri.v1.ContainerConfig;
import dev.resizelet.cri.v1.ContainerMetadata;
import dev.resizelet.cri.v1.ContainerStatus;
import dev.resizelet.cri.v1.ContainerStatusRequest;
import dev.resizelet.cri.v1.CreateContainerRequest;
import dev.resizelet.cri.v1.ImageSpec;
import dev.resizelet.cri.v1.LinuxContainerConfig;
import dev.resizelet.cri.v1.LinuxContainerResources;
import dev.resizelet.cri.v1.LinuxContainerSecurityContext;
import dev.resizelet.cri.v1.LinuxPodSandboxConfig;
import dev.resizelet.cri.v1.LinuxSandboxSecurityContext;
import dev.resizelet.cri.v1.NamespaceMode;
import dev.resizelet.cri.v1.NamespaceOption;
import dev.resizelet.cri.v1.PodSandboxConfig;
import dev.resizelet.cri.v1.PodSandboxMetadata;
import dev.resizelet.cri.v1.RemovePodSandboxRequest;
import dev.resizelet.cri.v1.RunPodSandboxRequest;
import dev.resizelet.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.resizelet.cri.v1.StartContainerRequest;
import dev.resizelet.cri.v1.StopPodSandboxRequest;
import dev.resizelet.cri.v1.UpdateContainerResourcesRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Pods and containers made with the raw CRI stubs the way the kubelet (and so the agent) makes
 * them on this machine: pod cgroup created first under the test top, host network (no CNI), the
 * busybox image. Remembers its sandboxes; {@link #close()} stops and removes them.
 */
final class RawPods implements AutoCloseable {

    static final long MIB = 1024 * 1024;
    static final long PERIOD = 100_000;

    private final RuntimeServiceBlockingStub cri;
    private final TopCgroup top;
    private final List<String> sandboxes = new ArrayList<>();

    RawPods(RuntimeServiceBlockingStub cri, TopCgroup top) {
        this.cri = requireNonNull(cri, "cri");
        this.top = requireNonNull(top, "top");
    }

    /** Creates the pod cgroup (cpu, memory) and runs a sandbox with cgroup_parent {@code /<top>/pod<uid>}. */
    String runPod(String uid, String name) {
        top.createPod(uid);
        String id = cri.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(sandboxConfig(uid, name)).build())
                .getPodSandboxId();
        sandboxes.add(id);
        return id;
    }

    /** Creates and starts a container; returns its id. */
    String startContainer(String sandbox, String uid, String name, List<String> command, LinuxContainerResources resources) {
        ContainerConfig config = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(PrivateContainerd.IMAGE))
                .addAllCommand(command)
                .setLinux(LinuxContainerConfig.newBuilder().setResources(resources)
                        .setSecurityContext(LinuxContainerSecurityContext.newBuilder().setNamespaceOptions(namespaces())))
                .build();
        String id = cri.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sandbox).setConfig(config)
                .setSandboxConfig(sandboxConfig(uid, "unused")).build()).getContainerId();
        cri.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    void update(String containerId, LinuxContainerResources resources) {
        cri.updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(containerId)
                .setLinux(resources).build());
    }

    ContainerStatus status(String containerId) {
        return cri.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(containerId).build()).getStatus();
    }

    /** The single process of a container, from its cpu cgroup. */
    long onlyPid(String uid, String containerId) {
        List<Long> pids = TopCgroup.pids(top.containerDir(TopCgroup.CPU, uid, containerId).resolve("cgroup.procs"));
        if (pids.size() != 1) {
            throw new IllegalStateException("expected one process in container " + containerId + ", found " + pids);
        }
        return pids.get(0);
    }

    static LinuxContainerResources resources(long shares, long quota, long memory) {
        return LinuxContainerResources.newBuilder().setCpuShares(shares).setCpuQuota(quota).setCpuPeriod(PERIOD)
                .setMemoryLimitInBytes(memory).build();
    }

    static long readLong(Path file) {
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Stops and removes every sandbox this made (containerd removes their containers with them). */
    @Override
    public void close() {
        for (String id : sandboxes) {
            long t0 = System.nanoTime();
            cri.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
            long t1 = System.nanoTime();
            cri.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
            System.out.printf("StopPodSandbox=%.1fms RemovePodSandbox=%.1fms%n", (t1 - t0) / 1e6, (System.nanoTime() - t1) / 1e6);
        }
        sandboxes.clear();
    }

    /** Host network, so no hostname (runc cannot set one without a private UTS namespace). */
    private PodSandboxConfig sandboxConfig(String uid, String name) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setUid(uid).setNamespace("default"))
                .putAllLabels(Map.of("resizelet.dev/test", "raw-cri"))
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(top.podParent(uid))
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(namespaces())))
                .build();
    }

    /** No CNI here: host network; a PID namespace per container and the pod's IPC, as the kubelet's defaults. */
    private static NamespaceOption namespaces() {
        return NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE).setPid(NamespaceMode.CONTAINER)
                .setIpc(NamespaceMode.POD).build();
    }
}
