package dev.resizelet.it.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Init containers and sidecars through the real kubectl against the daemon in simulated mode. */
class DaemonInitContainersIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);
    static final String HELD = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: held
            spec:
              initContainers:
              - name: wait-for-db
                image: busybox
                command: [sh, -c, "tail -f /dev/null"]
              containers:
              - name: app
                image: nginx
            """;
    static final String SIDECAR = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
            spec:
              initContainers:
              - name: setup
                image: busybox
                command: ["true"]
                resources:
                  requests: {cpu: 50m, memory: 16Mi}
              - name: log
                image: busybox
                restartPolicy: Always
                command: [sleep, infinity]
                resources:
                  requests: {cpu: 100m, memory: 32Mi}
                  limits: {cpu: 200m, memory: 64Mi}
              containers:
              - name: app
                image: nginx
                resources:
                  requests: {cpu: 250m, memory: 64Mi}
                  limits: {cpu: 500m, memory: 128Mi}
            """;

    @TempDir
    Path home;
    private DaemonProcess daemon;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(Kubectl.DISPATCHER)), "needs the kubectl dispatcher at " + Kubectl.DISPATCHER);
        DaemonProcess.emptyKubeconfig(home);
        Files.writeString(home.resolve("held.yaml"), HELD);
        Files.writeString(home.resolve("web.yaml"), SIDECAR);
        daemon = DaemonProcess.start(home.resolve("state"));
    }

    @AfterEach
    void stop() throws Exception {
        Teardown.close(daemon);
    }

    private Kubectl kubectl() {
        return new Kubectl(Kubectl.DISPATCHER, daemon.url(), home);
    }

    private JsonNode pod(Kubectl k, String name) throws Exception {
        Kubectl.Result r = k.run("get", "pod", name, "-o", "json");
        assertThat(r.exitCode()).as(r.all()).isZero();
        return JSON.readTree(r.stdout());
    }

    private static String row(Kubectl.Result table, String name) {
        return table.stdout().lines().filter(l -> l.startsWith(name + " ")).findFirst().orElse("");
    }

    @Test
    void getPodsShowsInitWhileANeverExitingInitContainerRuns() throws Exception {
        Kubectl k = kubectl();
        Kubectl.Result created = k.run("create", "-f", "held.yaml");
        assertThat(created.exitCode()).as(created.all()).isZero();

        await().atMost(WAIT).until(() -> pod(k, "held").at("/status/initContainerStatuses/0/state/running").isObject());

        assertThat(row(k.run("get", "pods"), "held")).matches("held\\s+0/1\\s+Init:0/1\\s+0\\s+.*");
        JsonNode pod = pod(k, "held");
        assertThat(pod.at("/status/phase").asText()).isEqualTo("Pending");
        assertThat(pod.at("/status/initContainerStatuses/0/name").asText()).isEqualTo("wait-for-db");
        assertThat(pod.at("/status/initContainerStatuses/0/state/running").isObject()).isTrue();
        assertThat(pod.at("/status/initContainerStatuses/0/ready").asBoolean()).isFalse();
        assertThat(pod.at("/status/initContainerStatuses/0/containerID").asText()).startsWith("fake-cri://");
        assertThat(pod.at("/status/containerStatuses/0/state/waiting/reason").asText()).isEqualTo("PodInitializing");
        assertThat(pod.at("/status/containerStatuses/0/containerID").isMissingNode()).as("app container not created").isTrue();
    }

    @Test
    void aSidecarIsResizedWithKubectlPatchSubresourceResize() throws Exception {
        Kubectl k = kubectl();
        Kubectl.Result created = k.run("create", "-f", "web.yaml");
        assertThat(created.exitCode()).as(created.all()).isZero();
        await().atMost(WAIT).until(() -> row(k.run("get", "pods"), "web").matches("web\\s+2/2\\s+Running\\s+0\\s+.*"));
        JsonNode before = pod(k, "web");
        assertThat(before.at("/status/initContainerStatuses/0/state/terminated/reason").asText()).isEqualTo("Completed");
        assertThat(before.at("/status/initContainerStatuses/0/allocatedResources").isMissingNode()).isTrue();
        assertThat(before.at("/status/initContainerStatuses/0/resources").isMissingNode()).isTrue();
        assertThat(before.at("/status/initContainerStatuses/1/allocatedResources/cpu").asText()).isEqualTo("100m");
        String sidecarId = before.at("/status/initContainerStatuses/1/containerID").asText();

        Kubectl.Result patched = k.run("patch", "pod", "web", "--subresource", "resize", "-p",
                "{\"spec\":{\"initContainers\":[{\"name\":\"log\",\"resources\":{\"requests\":{\"cpu\":\"300m\"},"
                        + "\"limits\":{\"cpu\":\"400m\"}}}]}}");
        assertThat(patched.exitCode()).as(patched.all()).isZero();

        await().atMost(WAIT).until(() -> {
            JsonNode p = pod(k, "web");
            return p.at("/status/initContainerStatuses/1/resources/limits/cpu").asText().equals("400m")
                    && p.at("/status/resize").isMissingNode();
        });
        JsonNode after = pod(k, "web");
        assertThat(after.at("/spec/initContainers/1/resources/requests/cpu").asText()).isEqualTo("300m");
        assertThat(after.at("/status/initContainerStatuses/1/allocatedResources/cpu").asText()).isEqualTo("300m");
        assertThat(after.at("/status/initContainerStatuses/1/resources/requests/cpu").asText()).isEqualTo("300m");
        assertThat(after.at("/status/initContainerStatuses/1/restartCount").asInt()).isZero();
        assertThat(after.at("/status/initContainerStatuses/1/containerID").asText()).isEqualTo(sidecarId);

        Kubectl.Result refused = k.run("patch", "pod", "web", "--subresource", "resize", "-p",
                "{\"spec\":{\"initContainers\":[{\"name\":\"setup\",\"resources\":{\"requests\":{\"cpu\":\"80m\"}}}]}}");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stderr()).contains("spec.initContainers[0].resources: Forbidden: resources for non-sidecar"
                + " init containers are immutable");
        assertThat(pod(k, "web").at("/spec/initContainers/0/resources/requests/cpu").asText()).isEqualTo("50m");
    }
}
