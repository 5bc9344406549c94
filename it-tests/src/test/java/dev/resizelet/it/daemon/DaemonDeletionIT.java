package dev.resizelet.it.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resizelet.cri.v1.ContainerConfig;
import dev.resizelet.cri.v1.ContainerMetadata;
import dev.resizelet.cri.v1.CreateContainerRequest;
import dev.resizelet.cri.v1.ImageSpec;
import dev.resizelet.cri.v1.PodSandboxConfig;
import dev.resizelet.cri.v1.PodSandboxMetadata;
import dev.resizelet.cri.v1.RunPodSandboxRequest;
import dev.resizelet.cri.v1.StopContainerRequest;
import dev.resizelet.cri.CriClientOptions;
import dev.resizelet.cri.GrpcRuntimeClient;
import dev.resizelet.fakecri.CriRpc;
import io.grpc.Status;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graceful deletion through the HTTP API and the real kubectl, and {@code kill -9} in the middle of teardowns: the daemon
 * as its own process on a fake runtime this test serves (so it can refuse or slow StopContainer) and a temp cgroup tree.
 */
class DaemonDeletionIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String JSON_TYPE = "application/json";

    @TempDir
    Path home;

    private FakeNode node;
    private DaemonProcess daemon;

    @AfterEach
    void stop() throws Exception {
        Teardown.close(daemon, node);
    }

    private String create(String name, String cpu, Long grace) throws Exception {
        HttpResponse<String> r = node.send(daemon, "POST", "/api/v1/namespaces/default/pods", JSON_TYPE,
                FakeNode.podJson(name, cpu, grace));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        await().atMost(WAIT).until(() -> "Running".equals(node.pod(daemon, name).path("status").path("phase").asText()));
        return FakeNode.JSON.readTree(r.body()).path("metadata").path("uid").asText();
    }

    private boolean gone(String name) throws Exception {
        return node.pod(daemon, name).isMissingNode();
    }

    @Test
    void kubectlDeleteShowsTerminatingUntilTheTeardownIsDoneAndAForceDeleteGoesAtOnce() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(Kubectl.DISPATCHER)), "needs the kubectl dispatcher at " + Kubectl.DISPATCHER);
        DaemonProcess.emptyKubeconfig(home);
        node = new FakeNode(home.resolve("node"));
        daemon = node.start();
        Kubectl k = new Kubectl(Kubectl.DISPATCHER, daemon.url(), home);
        String uid = create("web", "500m", 20L);
        node.fake.injectError(CriRpc.STOP_CONTAINER, Status.UNAVAILABLE.withDescription("runtime busy"));

        Kubectl.Result deleted = k.run("delete", "pod", "web", "--wait=false");
        Kubectl.Result listed = k.run("get", "pods");
        Kubectl.Result json = k.run("get", "pod", "web", "-o", "json");
        Kubectl.Result resize = k.run("patch", "pod", "web", "--subresource", "resize", "-p", FakeNode.resizePatch("800m"));

        assertThat(deleted.exitCode()).as(deleted.all()).isZero();
        assertThat(deleted.stdout()).contains("pod \"web\" deleted");
        assertThat(listed.stdout()).containsPattern("web\\s+\\S+\\s+Terminating");
        JsonNode meta = FakeNode.JSON.readTree(json.stdout()).path("metadata");
        assertThat(meta.path("deletionGracePeriodSeconds").asLong()).isEqualTo(20);
        Instant deletionTimestamp = Instant.parse(meta.path("deletionTimestamp").asText());
        assertThat(deletionTimestamp).isBetween(Instant.now().plusSeconds(10), Instant.now().plusSeconds(21));
        assertThat(resize.exitCode()).isNotZero();
        assertThat(resize.stderr()).contains("pods that are being deleted cannot be resized");

        node.fake.clearErrors();
        await().atMost(WAIT).until(() -> gone("web"));
        assertThat(node.objectsOf(uid)).isZero();
        assertThat(node.podCgroupExists(uid)).isFalse();
        assertThat(node.fake.calls(CriRpc.STOP_CONTAINER)).allSatisfy(c ->
                assertThat(((StopContainerRequest) c.request()).getTimeout()).isBetween(10L, 20L));

        String uid2 = create("web2", "500m", 20L);
        node.fake.injectError(CriRpc.STOP_CONTAINER, Status.UNAVAILABLE.withDescription("runtime busy"));
        Kubectl.Result forced = k.run("delete", "pod", "web2", "--grace-period=0", "--force");
        assertThat(forced.exitCode()).as(forced.all()).isZero();
        assertThat(forced.stdout()).contains("pod \"web2\" force deleted");
        assertThat(gone("web2")).isTrue();
        node.fake.clearErrors();
        await().atMost(WAIT).until(() -> node.objectsOf(uid2) == 0 && !node.podCgroupExists(uid2));
    }

    @Test
    void deleteOptionsGracePeriodIsHonouredAndABadOneIsABadRequest() throws Exception {
        node = new FakeNode(home.resolve("node"));
        daemon = node.start();
        create("web", "500m", null);
        node.fake.injectError(CriRpc.STOP_CONTAINER, Status.UNAVAILABLE.withDescription("runtime busy"));

        HttpResponse<String> bad = node.send(daemon, "DELETE", "/api/v1/namespaces/default/pods/web", JSON_TYPE,
                "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"gracePeriodSeconds\":\"soon\"}");
        HttpResponse<String> ok = node.send(daemon, "DELETE", "/api/v1/namespaces/default/pods/web", JSON_TYPE,
                "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"gracePeriodSeconds\":7}");
        HttpResponse<String> query = node.send(daemon, "DELETE", "/api/v1/namespaces/default/pods/web?gracePeriodSeconds=3",
                null, null);

        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(FakeNode.JSON.readTree(bad.body()).path("kind").asText()).isEqualTo("Status");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(FakeNode.JSON.readTree(ok.body()).path("metadata").path("deletionGracePeriodSeconds").asLong()).isEqualTo(7);
        assertThat(FakeNode.JSON.readTree(query.body()).path("metadata").path("deletionGracePeriodSeconds").asLong()).isEqualTo(3);
        node.fake.clearErrors();
        await().atMost(WAIT).until(() -> gone("web"));
    }

    /**
     * kill -9 at a random point of two teardowns (one graceful, one forced), then a start on the same state dir: the
     * graceful one resumes from its durable mark, the forced one's leftovers are swept as orphans; a pod that was not
     * deleted keeps running untouched, and a sandbox someone else made on the runtime survives every trial.
     */
    @Test
    void killDashNineDuringTeardownsLeavesNothingBehindAndTouchesNothingElse() throws Exception {
        int trials = Integer.getInteger("resizelet.deletion.trials", 3);
        SplittableRandom random = new SplittableRandom(Long.getLong("resizelet.deletion.seed", 7));
        node = new FakeNode(home.resolve("node"));
        String stranger;
        try (GrpcRuntimeClient cri = GrpcRuntimeClient.connect(node.server.endpoint(), CriClientOptions.defaults())) {
            stranger = cri.runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(PodSandboxConfig.newBuilder()
                    .setMetadata(PodSandboxMetadata.newBuilder().setName("other").setNamespace("x").setUid("uid-other"))
                    .putLabels("io.kubernetes.pod.uid", "uid-other")).build()).getPodSandboxId();
            cri.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(stranger)
                    .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("c"))
                            .setImage(ImageSpec.newBuilder().setImage("busybox")).putLabels("io.kubernetes.pod.uid", "uid-other"))
                    .build());
        }
        daemon = node.start();
        String keeperUid = create("keeper", "250m", 30L);
        String keeperContainer = node.pod(daemon, "keeper").path("status").path("containerStatuses").path(0)
                .path("containerID").asText();
        // each StopContainer takes a while, so that a kill lands in the middle of a teardown
        node.fake.setLatency(CriRpc.STOP_CONTAINER, Duration.ofMillis(150));
        long acknowledged = 0;
        long leftBehind = 0;
        for (int trial = 0; trial < trials; trial++) {
            int t = trial;
            String graceful = create("graceful-" + t, "250m", 30L);
            String forced = create("forced-" + t, "250m", 30L);
            long stopsBefore = node.fake.callCount(CriRpc.STOP_CONTAINER);
            HttpResponse<String> g = node.send(daemon, "DELETE", "/api/v1/namespaces/default/pods/graceful-" + t, null, null);
            HttpResponse<String> f = node.send(daemon, "DELETE", "/api/v1/namespaces/default/pods/forced-" + t
                    + "?gracePeriodSeconds=0", null, null);
            assertThat(g.statusCode()).isEqualTo(200);
            assertThat(f.statusCode()).isEqualTo(200);
            acknowledged += 2;
            int stopsToWaitFor = random.nextInt(3); // 0: kill at once; 1 or 2: mid-teardown
            await().atMost(WAIT).until(() -> node.fake.callCount(CriRpc.STOP_CONTAINER) - stopsBefore >= stopsToWaitFor);
            daemon.kill9();

            daemon = node.start();
            await().atMost(WAIT).until(() -> gone("graceful-" + t) && gone("forced-" + t)
                    && node.objectsOf(graceful) == 0 && node.objectsOf(forced) == 0);
            try {
                // the orphan sweep runs after the start, in the background
                await().atMost(WAIT).until(() -> !node.podCgroupExists(graceful) && !node.podCgroupExists(forced));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                leftBehind++;
            }
            assertThat(node.fake.sandbox(stranger)).as("someone else's sandbox").isPresent();
            JsonNode keeper = node.pod(daemon, "keeper");
            assertThat(keeper.path("metadata").path("uid").asText()).isEqualTo(keeperUid);
            assertThat(keeper.path("status").path("containerStatuses").path(0).path("containerID").asText())
                    .isEqualTo(keeperContainer);
        }
        System.out.printf("deletion kill -9 trials: %d, deletions acknowledged: %d, left behind: %d, strangers touched: %d%n",
                trials, acknowledged, leftBehind, node.fake.sandbox(stranger).isPresent() ? 0 : 1);
        assertThat(leftBehind).isZero();
        assertThat(node.objectsOf("uid-other")).isEqualTo(2);
    }
}
