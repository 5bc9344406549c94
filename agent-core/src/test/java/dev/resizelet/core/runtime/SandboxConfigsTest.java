package dev.resizelet.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.QosTier;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.cri.v1.NamespaceMode;
import dev.resizelet.cri.v1.PodSandboxConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class SandboxConfigsTest {

    @Test
    void hostNetworkSandboxSetsNoHostnameBecauseRuncRefusesOneWithoutAPrivateUtsNamespace() {
        PodSpec pod = new PodSpec("default", "web", PodUid.of("uid-1"), QosTier.GUARANTEED,
                List.of(new ContainerSpec("app", "busybox", List.of("/bin/sleep", "3600"))));

        PodSandboxConfig config = SandboxConfigs.sandbox(pod, CgroupName.of("kubepods", "poduid-1"), CgroupDriver.CGROUPFS);

        assertThat(config.getLinux().getSecurityContext().getNamespaceOptions().getNetwork()).isEqualTo(NamespaceMode.NODE);
        assertThat(config.getHostname()).isEmpty();
        assertThat(config.getLinux().getCgroupParent()).isEqualTo("/kubepods/poduid-1");
        assertThat(config.getMetadata().getUid()).isEqualTo("uid-1");
    }
}
