package dev.resizelet.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resizelet.bench.BareBaseline.BaselineResult;
import dev.resizelet.cri.CriClientOptions;
import dev.resizelet.cri.GrpcRuntimeClient;
import dev.resizelet.cri.v1.ContainerConfig;
import dev.resizelet.cri.v1.ContainerMetadata;
import dev.resizelet.cri.v1.CreateContainerRequest;
import dev.resizelet.cri.v1.PodSandboxConfig;
import dev.resizelet.cri.v1.PodSandboxMetadata;
import dev.resizelet.cri.v1.RunPodSandboxRequest;
import dev.resizelet.cri.v1.StartContainerRequest;
import dev.resizelet.cri.v1.UpdateContainerResourcesRequest;
import dev.resizelet.fakecri.CriRpc;
import dev.resizelet.fakecri.FakeRuntime;
import dev.resizelet.fakecri.FakeRuntimeServer;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BareBaselineTest {
    private FakeRuntime runtime;
    private FakeRuntimeServer server;
    private ManagedChannel channel;
    private GrpcRuntimeClient client;
    private final List<String> ids = new ArrayList<>();

    @BeforeEach
    void startRuntimeWithContainers() {
        runtime = FakeRuntime.builder().unboundedCallLog().build(); // the test checks every call
        server = FakeRuntimeServer.inProcess(runtime, "bare-baseline-" + System.nanoTime());
        channel = server.newInProcessChannel();
        client = new GrpcRuntimeClient(channel, CriClientOptions.defaults());
        PodSandboxConfig sandbox = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName("p").setNamespace("bench").setUid("u1")).build();
        String sandboxId = client.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(sandbox).build())
                .getPodSandboxId();
        for (int i = 0; i < 4; i++) {
            String id = client.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sandboxId)
                    .setSandboxConfig(sandbox)
                    .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("c" + i)))
                    .build()).getContainerId();
            client.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
            ids.add(id);
        }
        runtime.clearCalls();
    }

    @AfterEach
    void stop() throws InterruptedException {
        client.close();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
    }

    @Test
    void everyCountedCallReachedTheRuntimeAndAlternatesValues() {
        BaselineResult r = BareBaseline.run(client, ids, 2, Duration.ofMillis(300));

        assertThat(r.calls()).isPositive();
        assertThat(r.threads()).isEqualTo(2);
        assertThat(r.callsPerSecond()).isPositive();
        assertThat(r.latency().count()).isEqualTo(r.calls());
        assertThat(r.latency().p50Ms()).isPositive().isLessThanOrEqualTo(r.latency().p99Ms());
        var calls = runtime.calls(CriRpc.UPDATE_CONTAINER_RESOURCES);
        assertThat(calls).hasSize((int) r.calls());
        assertThat(calls).extracting(c -> ((UpdateContainerResourcesRequest) c.request()).getLinux())
                .contains(BareBaseline.LOW, BareBaseline.HIGH);
        assertThat(runtime.container(ids.get(0)).orElseThrow().getResources().getLinux().getCpuShares())
                .isIn(BareBaseline.LOW.getCpuShares(), BareBaseline.HIGH.getCpuShares());
    }

    @Test
    void needsAContainerPerThread() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BareBaseline.run(client, ids, 5, Duration.ofMillis(10)));

        assertThat(e.getMessage()).contains("4 containers for 5 threads");
    }

    @Test
    void aFailingCallFailsTheRunWithItsCause() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> BareBaseline.run(client, List.of("no-such-container"), 1, Duration.ofMillis(100)));

        assertThat(e.getMessage()).startsWith("bare UpdateContainerResources failed");
        assertThat(e.getCause()).isNotNull();
    }
}
