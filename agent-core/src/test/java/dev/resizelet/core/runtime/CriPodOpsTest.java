package dev.resizelet.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupResources;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.cgroups.MemoryLimitBelowUsageException;
import dev.resizelet.cgroups.QosTier;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.cri.CriException;
import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.v1.UpdatePodSandboxResourcesRequest;
import dev.resizelet.cri.v1.UpdatePodSandboxResourcesResponse;
import io.grpc.Status;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
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
    /** The pod's last sandbox call, kept across its passes (the engine's lane). */
    private final AtomicReference<CompletableFuture<Boolean>> lastSandboxCall = new AtomicReference<>();

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

    @Test
    void aPodsSandboxUpdateIsSentOnlyOnceItsPreviousOneIsAnsweredSoTheRuntimeEndsWithTheNewestValues() {
        List<CompletableFuture<UpdatePodSandboxResourcesResponse>> answers = new CopyOnWriteArrayList<>();
        List<Long> sentQuotas = new CopyOnWriteArrayList<>();
        CriRuntime cri = (CriRuntime) Proxy.newProxyInstance(CriRuntime.class.getClassLoader(),
                new Class<?>[] {CriRuntime.class}, (proxy, method, args) -> {
                    if (method.getName().equals("updatePodSandboxResourcesAsync")) {
                        sentQuotas.add(((UpdatePodSandboxResourcesRequest) args[0]).getResources().getCpuQuota());
                        CompletableFuture<UpdatePodSandboxResourcesResponse> answer = new CompletableFuture<>();
                        answers.add(answer);
                        return answer;
                    }
                    throw new UnsupportedOperationException("unexpected call " + method.getName());
                });
        // two passes of the same pod, each with its own ops, as the engine makes them
        CompletableFuture<Boolean> first = ops(cri).updateSandboxAsync(quota(100_000));
        CompletableFuture<Boolean> second = ops(cri).updateSandboxAsync(quota(200_000));

        assertThat(sentQuotas).as("the second waits for the first's answer").containsExactly(100_000L);
        answers.get(0).completeExceptionally(new CriException("UpdatePodSandboxResources",
                CriException.Target.SANDBOX, "sandbox-1", Status.Code.UNAVAILABLE, "runtime restarting", null));
        assertThat(first).isCompletedWithValue(false); // a failure is logged, never thrown: best effort
        assertThat(sentQuotas).as("sent once the first was answered, even with an error").containsExactly(100_000L,
                200_000L);
        assertThat(second).isNotDone();
        answers.get(1).complete(UpdatePodSandboxResourcesResponse.getDefaultInstance());
        assertThat(second).isCompletedWithValue(true);

        CompletableFuture<Boolean> third = ops(cri).updateSandboxAsync(quota(300_000));
        assertThat(sentQuotas).as("nothing in flight: sent at once").containsExactly(100_000L, 200_000L, 300_000L);
        assertThat(third).isNotDone();
    }

    private static CgroupResources quota(long cpuQuota) {
        return new CgroupResources(null, cpuQuota, 100_000L, null);
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
        return new CriPodOps(cri, new PodLifecycle(cri, cgroups), pod, "sandbox-1", name -> 1, lastSandboxCall);
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
