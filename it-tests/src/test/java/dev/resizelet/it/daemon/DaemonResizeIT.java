package dev.resizelet.it.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Resizes through real kubectl against the daemon process (simulated runtime, node allocatable 2 CPUs and 1Gi):
 * the status follows (admitted, enacted, read back from the runtime), Deferred and Infeasible are reported, events
 * are listed, and a kill -9 in the middle of a stream of resizes loses nothing acknowledged and over-admits nothing.
 */
class DaemonResizeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long ALLOCATABLE_CPU_MILLIS = 2000;

    @TempDir
    Path home;
    private Path state;
    private DaemonProcess daemon;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(Kubectl.DISPATCHER)), "needs the kubectl dispatcher at " + Kubectl.DISPATCHER);
        DaemonProcess.emptyKubeconfig(home);
        state = home.resolve("state");
        daemon = startDaemon();
    }

    private DaemonProcess startDaemon() throws Exception {
        return DaemonProcess.start(state, "--allocatable-cpu", "2", "--allocatable-memory", "1Gi");
    }

    @AfterEach
    void stop() throws Exception {
        Teardown.close(daemon);
    }

    private Kubectl kubectl() {
        return new Kubectl(Kubectl.DISPATCHER, daemon.url(), home);
    }

    private static String podYaml(String name, String cpu) {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                spec:
                  containers:
                  - name: c
                    image: nginx
                    resources:
                      requests: {cpu: %s, memory: 128Mi}
                      limits: {cpu: %s, memory: 128Mi}
                """.formatted(name, cpu, cpu);
    }

    private void create(Kubectl k, String name, String cpu) throws Exception {
        Path file = home.resolve(name + ".yaml");
        Files.writeString(file, podYaml(name, cpu));
        Kubectl.Result r = k.run("create", "-f", file.getFileName().toString());
        assertThat(r.exitCode()).as(r.all()).isZero();
        await().atMost(WAIT).until(() -> settled(pod(k, name)));
    }

    private static JsonNode pod(Kubectl k, String name) throws Exception {
        Kubectl.Result r = k.run("get", "pod", name, "-o", "json");
        assertThat(r.exitCode()).as(r.all()).isZero();
        return JSON.readTree(r.stdout());
    }

    private static String cpuPatch(String cpu) {
        return "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"" + cpu
                + "\"},\"limits\":{\"cpu\":\"" + cpu + "\"}}}]}}";
    }

    /** Running, the newest generation observed, and no resize in flight (no status.resize, no resize condition). */
    private static boolean settled(JsonNode pod) {
        JsonNode status = pod.path("status");
        return status.path("phase").asText().equals("Running")
                && status.path("observedGeneration").asLong() == pod.at("/metadata/generation").asLong()
                && !status.has("resize") && status.path("conditions").findValues("type").stream()
                        .noneMatch(t -> t.asText().startsWith("PodResize"));
    }

    private static JsonNode condition(JsonNode pod, String type) {
        for (JsonNode c : pod.at("/status/conditions")) {
            if (c.path("type").asText().equals(type)) {
                return c;
            }
        }
        return null;
    }

    private static long millis(String cpu) {
        return cpu.endsWith("m") ? Long.parseLong(cpu.substring(0, cpu.length() - 1)) : Long.parseLong(cpu) * 1000;
    }

    private static void assertEnacted(JsonNode pod, String cpu) {
        JsonNode cs = pod.at("/status/containerStatuses/0");
        assertThat(cs.at("/allocatedResources/cpu").asText()).isEqualTo(cpu);
        assertThat(cs.at("/resources/requests/cpu").asText()).isEqualTo(cpu);
        assertThat(cs.at("/resources/limits/cpu").asText()).isEqualTo(cpu);
        assertThat(cs.at("/resources/limits/memory").asText()).isEqualTo("128Mi");
    }

    @Test
    void aResizeThroughTheSubresourceMovesTheStatusToTheNewValues() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(Kubectl.V1_32)), "needs " + Kubectl.V1_32);
        Kubectl k = new Kubectl(Kubectl.V1_32, daemon.url(), home);
        create(k, "web", "500m");
        assertEnacted(pod(k, "web"), "500m");

        Kubectl.Result r = k.run("patch", "pod", "web", "--subresource", "resize", "-p", cpuPatch("800m"));

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(r.stdout()).contains("pod/web patched");
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode pod = pod(k, "web");
            assertThat(settled(pod)).as(pod.toPrettyString()).isTrue();
            assertEnacted(pod, "800m");
            assertThat(pod.at("/status/observedGeneration").asLong()).isEqualTo(2);
            assertThat(pod.at("/status/qosClass").asText()).isEqualTo("Guaranteed");
        });
    }

    @Test
    void theKubectl127ClientsSpecPatchIsEnactedToo() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(Kubectl.V1_27)), "needs " + Kubectl.V1_27);
        create(kubectl(), "web", "500m");
        Kubectl k = new Kubectl(Kubectl.V1_27, daemon.url(), home);

        Kubectl.Result r = k.run("patch", "pod", "web", "-p", cpuPatch("700m"));

        assertThat(r.exitCode()).as(r.all()).isZero();
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode pod = pod(k, "web");
            assertThat(settled(pod)).as(pod.toPrettyString()).isTrue();
            assertEnacted(pod, "700m");
        });
    }

    @Test
    void anInvalidResizeIsRefusedAndTheAllocationStays() throws Exception {
        Kubectl k = kubectl();
        create(k, "web", "500m");
        JsonNode before = pod(k, "web");

        Kubectl.Result r = k.run("patch", "pod", "web", "--subresource", "resize", "-p",
                "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"250m\"}}}]}}");

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("Pod QOS Class may not change as a result of resizing");
        JsonNode after = pod(k, "web");
        assertThat(after.at("/metadata/resourceVersion")).isEqualTo(before.at("/metadata/resourceVersion"));
        assertThat(after.at("/metadata/generation").asLong()).isEqualTo(1);
        assertEnacted(after, "500m");
    }

    @Test
    void aResizeThatDoesNotFitIsDeferredUntilAnotherPodIsDeleted() throws Exception {
        Kubectl k = kubectl();
        create(k, "web", "500m");
        create(k, "big", "1");

        Kubectl.Result r = k.run("patch", "pod", "web", "--subresource", "resize", "-p", cpuPatch("1500m"));

        assertThat(r.exitCode()).as(r.all()).isZero();
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode pod = pod(k, "web");
            JsonNode pending = condition(pod, "PodResizePending");
            assertThat(pending).as(pod.toPrettyString()).isNotNull();
            assertThat(pending.path("reason").asText()).isEqualTo("Deferred");
            assertThat(pending.path("message").asText())
                    .isEqualTo("Node didn't have enough resource: cpu, requested: 1500, used: 1000, capacity: 2000");
            assertThat(pod.at("/status/resize").asText()).isEqualTo("Deferred");
            assertEnacted(pod, "500m");
        });

        assertThat(k.run("delete", "pod", "big").exitCode()).isZero();

        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode pod = pod(k, "web");
            assertThat(settled(pod)).as(pod.toPrettyString()).isTrue();
            assertEnacted(pod, "1500m");
        });
        String events = k.run("get", "events").stdout();
        assertThat(events).contains("ResizeDeferred").contains("ResizeStarted").contains("ResizeCompleted")
                .contains("pod/web");
    }

    @Test
    void aResizeLargerThanTheNodeIsInfeasible() throws Exception {
        Kubectl k = kubectl();
        create(k, "web", "500m");

        Kubectl.Result r = k.run("patch", "pod", "web", "--subresource", "resize", "-p", cpuPatch("3"));

        assertThat(r.exitCode()).as(r.all()).isZero();
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode pod = pod(k, "web");
            JsonNode pending = condition(pod, "PodResizePending");
            assertThat(pending).as(pod.toPrettyString()).isNotNull();
            assertThat(pending.path("reason").asText()).isEqualTo("Infeasible");
            assertThat(pending.path("message").asText())
                    .isEqualTo("Node didn't have enough capacity: cpu, requested: 3000, capacity: 2000");
            assertThat(pod.at("/status/resize").asText()).isEqualTo("Infeasible");
            assertEnacted(pod, "500m");
        });
        Kubectl.Result events = k.run("get", "events");
        assertThat(events.stdout()).contains("Warning").contains("ResizeInfeasible")
                .contains("Node didn't have enough capacity: cpu, requested: 3000, capacity: 2000");
    }

    @Test
    void describePodListsTheResizeEvents() throws Exception {
        Kubectl k = kubectl();
        create(k, "web", "500m");
        k.run("patch", "pod", "web", "--subresource", "resize", "-p", cpuPatch("600m"));
        await().atMost(WAIT).until(() -> settled(pod(k, "web")) && pod(k, "web").at("/metadata/generation").asLong() == 2);

        Kubectl.Result described = k.run("describe", "pod", "web");

        assertThat(described.exitCode()).as(described.all()).isZero();
        // describe aligns its columns to the longest label (the conditions' PodReadyToStartContainers, as on a node)
        assertThat(described.stdout()).containsPattern("QoS Class:\\s+Guaranteed").contains("Events:")
                .containsPattern("Normal\\s+ResizeStarted\\s+\\S+\\s+resizelet\\s+Pod resize started: ")
                .containsPattern("Normal\\s+ResizeCompleted\\s+\\S+\\s+resizelet\\s+Pod resize completed: ")
                // the kubelet's text: the allocated resources as JSON and the generation
                .contains("Pod resize completed: {\"containers\":[{\"name\":\"c\",\"resources\":{\"limits\":"
                        + "{\"cpu\":\"600m\",\"memory\":\"128Mi\"},\"requests\":{\"cpu\":\"600m\",\"memory\":\"128Mi\"}}}],"
                        + "\"generation\":2}");
    }

    @Test
    void killDashNineDuringAStreamOfResizesLosesNothingAcknowledgedAndOverAdmitsNothing() throws Exception {
        Kubectl k = kubectl();
        create(k, "web", "500m");
        create(k, "db", "500m");
        // web goes up to 1490m: beside db's 500m everything up to 1500m fits, so every step is admitted
        ResizeStream stream = new ResizeStream(daemon.url(), 500, 510, 1500).start();
        await().atMost(WAIT).until(() -> stream.acknowledged() >= 700);

        daemon.kill9();
        stream.join();
        int lastAcknowledged = stream.acknowledged();
        daemon = startDaemon();
        Kubectl after = kubectl();

        JsonNode web = pod(after, "web");
        long desired = millis(web.at("/spec/containers/0/resources/requests/cpu").asText());
        assertThat(desired).isBetween((long) lastAcknowledged, lastAcknowledged + 10L);
        List<JsonNode> pods = Stream.of("web", "db").map(n -> {
            try {
                return pod(after, n);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
        assertThat(pods.stream().mapToLong(p -> millis(p.at("/status/containerStatuses/0/allocatedResources/cpu").asText("0m"))).sum())
                .isLessThanOrEqualTo(ALLOCATABLE_CPU_MILLIS);
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode now = pod(after, "web");
            assertThat(settled(now)).as(now.toPrettyString()).isTrue();
            assertEnacted(now, now.at("/spec/containers/0/resources/requests/cpu").asText());
            assertThat(millis(now.at("/status/containerStatuses/0/allocatedResources/cpu").asText())).isEqualTo(desired);
            assertEnacted(pod(after, "db"), "500m");
        });
        // the node's bookkeeping survived: a resize that would exceed allocatable beside the restored pods is deferred
        Kubectl.Result r = after.run("patch", "pod", "db", "--subresource", "resize", "-p", cpuPatch("1600m"));
        assertThat(r.exitCode()).as(r.all()).isZero();
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode db = pod(after, "db");
            assertThat(db.at("/status/resize").asText()).as(db.toPrettyString()).isEqualTo("Deferred");
            assertThat(condition(db, "PodResizePending").path("message").asText())
                    .isEqualTo("Node didn't have enough resource: cpu, requested: 1600, used: " + desired + ", capacity: 2000");
            assertEnacted(db, "500m");
        });
    }

    @Test
    void aCorruptCheckpointStopsTheDaemonWithThePathAndTheFix() throws Exception {
        create(kubectl(), "web", "500m");
        daemon.close();
        daemon = null;
        Path checkpoint = state.resolve("resize").resolve("resize.log");
        byte[] log = Files.readAllBytes(checkpoint);
        log[8 + 8 + 2] ^= 0x5a; // a byte inside the first record's payload: its checksum no longer matches
        Files.write(checkpoint, log);

        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "dev.resizelet.agent.Main", "serve", "--listen", "127.0.0.1:0",
                "--state-dir", state.toString()).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(p.getInputStream().readAllBytes());

        assertThat(p.exitValue()).as(output).isNotZero();
        assertThat(output).contains("resizelet: cannot start: resize state log " + checkpoint + " is corrupt at byte 8")
                .contains("checksum mismatch")
                .contains("restore it from a backup, or move it away to let resizelet re-admit every pod from its spec");
    }
}
