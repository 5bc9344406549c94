package dev.resizelet.cri;

import dev.resizelet.cri.v1.ContainerConfig;
import dev.resizelet.cri.v1.ContainerMetadata;
import dev.resizelet.cri.v1.CreateContainerRequest;
import dev.resizelet.cri.v1.ImageSpec;
import dev.resizelet.cri.v1.LinuxContainerConfig;
import dev.resizelet.cri.v1.LinuxContainerResources;
import dev.resizelet.cri.v1.LinuxPodSandboxConfig;
import dev.resizelet.cri.v1.PodSandboxConfig;
import dev.resizelet.cri.v1.PodSandboxMetadata;
import dev.resizelet.cri.v1.RunPodSandboxRequest;

/** Requests shaped like the kubelet's, for tests. */
final class Pods {
    private Pods() {
    }

    static RunPodSandboxRequest runPodSandbox(String name, String uid, String cgroupParent) {
        return RunPodSandboxRequest.newBuilder().setConfig(PodSandboxConfig.newBuilder()
                        .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("default").setUid(uid))
                        .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(cgroupParent)))
                .build();
    }

    static CreateContainerRequest createContainer(String sandboxId, String name, LinuxContainerResources r) {
        return CreateContainerRequest.newBuilder()
                .setPodSandboxId(sandboxId)
                .setConfig(ContainerConfig.newBuilder()
                        .setMetadata(ContainerMetadata.newBuilder().setName(name))
                        .setImage(ImageSpec.newBuilder().setImage("registry.k8s.io/pause:3.10"))
                        .setLinux(LinuxContainerConfig.newBuilder().setResources(r)))
                .build();
    }

    /** What the kubelet sends for cpu request/limit in millicores and a memory limit in bytes. */
    static LinuxContainerResources resources(long cpuRequestMilli, long cpuLimitMilli, long memoryBytes) {
        return LinuxContainerResources.newBuilder()
                .setCpuShares(cpuRequestMilli * 1024 / 1000)
                .setCpuPeriod(100_000)
                .setCpuQuota(cpuLimitMilli * 100)
                .setMemoryLimitInBytes(memoryBytes)
                .build();
    }
}
