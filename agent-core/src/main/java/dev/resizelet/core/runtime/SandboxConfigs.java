package dev.resizelet.core.runtime;

import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.cri.v1.ContainerConfig;
import dev.resizelet.cri.v1.ContainerMetadata;
import dev.resizelet.cri.v1.ImageSpec;
import dev.resizelet.cri.v1.LinuxContainerConfig;
import dev.resizelet.cri.v1.LinuxPodSandboxConfig;
import dev.resizelet.cri.v1.LinuxSandboxSecurityContext;
import dev.resizelet.cri.v1.NamespaceMode;
import dev.resizelet.cri.v1.NamespaceOption;
import dev.resizelet.cri.v1.PodSandboxConfig;
import dev.resizelet.cri.v1.PodSandboxMetadata;

/** Builds the CRI sandbox and container configs the kubelet would send, with the labels it sets. */
public final class SandboxConfigs {
    static final String LABEL_POD_NAME = "io.kubernetes.pod.name";
    static final String LABEL_POD_NAMESPACE = "io.kubernetes.pod.namespace";
    static final String LABEL_POD_UID = "io.kubernetes.pod.uid";
    static final String LABEL_CONTAINER_NAME = "io.kubernetes.container.name";
    /**
     * On every sandbox and container the agent creates: the start-up orphan sweep removes only what carries it, so
     * anything else on the runtime (another kubelet's pods, a user's {@code crictl runp}) is never touched.
     */
    public static final String LABEL_MANAGED = "io.resizelet.managed";
    public static final String MANAGED = "true";

    private SandboxConfigs() {
    }

    /**
     * Host network (NamespaceMode NODE) so it runs on a real containerd without CNI; hence no hostname: a
     * host-network pod shares the node's UTS namespace, and runc refuses to set one ("unable to set hostname
     * without a private UTS namespace"), as the kubelet leaves it empty for host-network pods.
     */
    static PodSandboxConfig sandbox(PodSpec pod, CgroupName podCgroup, CgroupDriver driver) {
        String cgroupParent = driver == CgroupDriver.SYSTEMD ? podCgroup.leaf() : "/" + podCgroup.asPath();
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder()
                        .setName(pod.name()).setNamespace(pod.namespace()).setUid(pod.uid().value()).setAttempt(0))
                .putLabels(LABEL_POD_NAME, pod.name())
                .putLabels(LABEL_POD_NAMESPACE, pod.namespace())
                .putLabels(LABEL_POD_UID, pod.uid().value())
                .putLabels(LABEL_MANAGED, MANAGED)
                .setLinux(LinuxPodSandboxConfig.newBuilder()
                        .setCgroupParent(cgroupParent)
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE))))
                .build();
    }

    static ContainerConfig container(PodSpec pod, ContainerSpec c, int attempt, ResourceValues values) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(c.name()).setAttempt(attempt))
                .setImage(ImageSpec.newBuilder().setImage(c.image()))
                .addAllCommand(c.command())
                .addAllArgs(c.args())
                .putLabels(LABEL_POD_NAME, pod.name())
                .putLabels(LABEL_POD_NAMESPACE, pod.namespace())
                .putLabels(LABEL_POD_UID, pod.uid().value())
                .putLabels(LABEL_CONTAINER_NAME, c.name())
                .putLabels(LABEL_MANAGED, MANAGED)
                .setLinux(LinuxContainerConfig.newBuilder().setResources(CriResources.toCri(values)))
                .build();
    }
}
