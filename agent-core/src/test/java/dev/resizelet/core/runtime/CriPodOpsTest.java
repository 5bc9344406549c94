package dev.resizelet.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.cgroups.MemoryLimitBelowUsageException;
import dev.resizelet.cgroups.QosTier;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.cri.CriException;
import dev.resizelet.cri.CriRuntime;
import io.grpc.Status;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CriPodOpsTest {
    /** containerd 1.6.20 + runc 1.1.5, lowering memory below what a process holds (RawCriContainerdIT). */
    private static final String RUNC_BELOW_USAGE = "failed to update resources: failed to update resources: "
            + "/usr/bin/runc did not terminate successfully: exit status 1: unable to set memory limit to 16777216 "
            + "(current usage: 50659328, peak usage: 52219904)";

    @TempDir
    Path root;

    @Test
    void runcsRefusalOfAMemoryLimitBelowUsageIsABelowUsageFailureNamingTheLimitFile() {
        CriException runc = new CriException("UpdateContainerResources", CriException.Target.CONTAINER, "c1",
                Status.Code.UNKNOWN, RUNC_BELOW_USAGE, null);
        CriPodOps ops = ops(failingUpdates(runc));

        MemoryLimitBelowUsageException e = assertThrows(MemoryLimitBelowUsageException.class,
                () -> ops.updateContainer("c1", new ResourceValues(500, 500, 16L << 20, 16L << 20)));

        assertThat(e.getMessage()).contains("memory limit (16777216) below current usage")
                .contains(root.resolve("memory/kubepods/poduid-1/c1/memory.limit_in_bytes").toString())
                .contains("current usage: 50659328");
        assertThat(e.getCause()).isSameAs(runc);
    }

    @Test
    void otherRuntimeErrorsPassThroughUnchanged() {
        CriException other = new CriException("UpdateContainerResources", CriException.Target.CONTAINER, "c1",
                Status.Code.UNKNOWN, "failed to update resources: container not running", null);
        CriPodOps ops = ops(failingUpdates(other));

        CriException e = assertThrows(CriException.class,
                () -> ops.updateContainer("c1", new ResourceValues(500, 500, 16L << 20, 16L << 20)));

        assertThat(e).isSameAs(other);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "unable to set memory limit", "unable to set memory+swap limit to 1 (current usage: 2)",
            "device or resource busy"})
    void onlyRuncsBelowUsageWordingCounts(String message) {
        assertThat(CriPodOps.isBelowUsageRefusal(message)).isFalse();
        assertThat(CriPodOps.isBelowUsageRefusal(RUNC_BELOW_USAGE)).isTrue();
    }

    private CriPodOps ops(CriRuntime cri) {
        CgroupManager cgroups = new CgroupManager(
                new CgroupConfig(root, "kubepods", CgroupVersion.V1, CgroupDriver.CGROUPFS), CgroupFs.real());
        PodSpec pod = new PodSpec("default", "web", PodUid.of("uid-1"), QosTier.GUARANTEED,
                List.of(new ContainerSpec("app", "busybox", List.of("/bin/sleep", "3600"))));
        return new CriPodOps(cri, new PodLifecycle(cri, cgroups), pod, "sandbox-1", name -> 1);
    }

    /** A runtime whose UpdateContainerResources fails with {@code error}; any other call is a test bug. */
    private static CriRuntime failingUpdates(CriException error) {
        return (CriRuntime) Proxy.newProxyInstance(CriRuntime.class.getClassLoader(), new Class<?>[] {CriRuntime.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("updateContainerResources")) {
                        throw error;
                    }
                    throw new UnsupportedOperationException("unexpected call " + method.getName());
                });
    }
}
