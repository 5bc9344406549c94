package dev.resizelet.it.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pod-level resources through the real kubectl against the daemon (KEP-2837 / KEP-5419, beta in 1.36):
 * {@code spec.resources} kept at create and shown by {@code get -o yaml}, resized with
 * {@code kubectl patch --subresource resize}, the pod-level {@code status.allocatedResources} and
 * {@code status.resources}, and the apiserver's error bodies for invalid pod-level values.
 */
class DaemonPodLevelResourcesIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path home;
    private DaemonProcess daemon;
    private Kubectl k;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(Kubectl.DISPATCHER)), "needs the kubectl dispatcher at " + Kubectl.DISPATCHER);
        DaemonProcess.emptyKubeconfig(home);
        daemon = DaemonProcess.start(home.resolve("state"));
        k = new Kubectl(Kubectl.DISPATCHER, daemon.url(), home);
        Files.writeString(home.resolve("plr.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: plr
                spec:
                  resources:
                    requests: {cpu: 500m, memory: 128Mi}
                    limits: {cpu: "1", memory: 256Mi}
                  containers:
                  - name: app
                    image: nginx
                    resources:
                      requests: {cpu: 100m}
                  - name: side
                    image: nginx
                    resources:
                      requests: {cpu: 100m, memory: 32Mi}
                      limits: {cpu: 200m, memory: 64Mi}
                """);
        Kubectl.Result created = k.run("create", "-f", "plr.yaml");
        assertThat(created.exitCode()).as(created.stderr()).isZero();
    }

    @AfterEach
    void stop() throws Exception {
        Teardown.close(daemon);
    }

    private String field(String path) throws Exception {
        Kubectl.Result r = k.run("get", "pod", "plr", "-o", "jsonpath={" + path + "}");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return r.stdout().trim();
    }

    @Test
    void specResourcesAreKeptResizedInPlaceAndReported() throws Exception {
        await().atMost(WAIT).untilAsserted(() -> assertThat(field(".status.phase")).isEqualTo("Running"));
        Kubectl.Result yaml = k.run("get", "pod", "plr", "-o", "yaml");
        assertThat(yaml.stdout()).contains("  resources:\n    limits:\n      cpu: \"1\"\n      memory: 256Mi\n"
                + "    requests:\n      cpu: 500m\n      memory: 128Mi\n");
        assertThat(field(".status.qosClass")).isEqualTo("Burstable");
        assertThat(field(".status.allocatedResources.cpu")).isEqualTo("500m");

        Kubectl.Result r = k.run("patch", "pod", "plr", "--subresource", "resize", "-p",
                "{\"spec\":{\"resources\":{\"requests\":{\"cpu\":\"1\",\"memory\":\"256Mi\"},"
                        + "\"limits\":{\"cpu\":\"2\",\"memory\":\"512Mi\"}}}}");

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).contains("pod/plr patched");
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(field(".status.observedGeneration")).isEqualTo("2");
            assertThat(field(".status.conditions[*].type")).doesNotContain("PodResize");
            assertThat(field(".status.allocatedResources.cpu")).isEqualTo("1");
            assertThat(field(".status.allocatedResources.memory")).isEqualTo("256Mi");
            assertThat(field(".status.resources.limits.cpu")).isEqualTo("2");
            assertThat(field(".status.resources.limits.memory")).isEqualTo("512Mi");
        });
        assertThat(field(".spec.resources.limits.cpu")).isEqualTo("2");
        assertThat(field(".status.containerStatuses[*].restartCount")).isEqualTo("0 0");
        // the container without limits shows none of its own; the other keeps its own
        assertThat(field(".status.containerStatuses[0].resources.limits")).isEmpty();
        assertThat(field(".status.containerStatuses[1].resources.limits.cpu")).isEqualTo("200m");
        assertThat(field(".status.qosClass")).isEqualTo("Burstable");
    }

    @Test
    void invalidPodLevelResizesGetTheApiserversErrorsAndChangeNothing() throws Exception {
        await().atMost(WAIT).untilAsserted(() -> assertThat(field(".status.phase")).isEqualTo("Running"));
        String version = field(".metadata.resourceVersion");

        Kubectl.Result below = k.run("patch", "pod", "plr", "--subresource", "resize", "-p",
                "{\"spec\":{\"resources\":{\"requests\":{\"memory\":\"16Mi\"}}}}");
        Kubectl.Result over = k.run("patch", "pod", "plr", "--subresource", "resize", "-p",
                "{\"spec\":{\"resources\":{\"limits\":{\"cpu\":\"150m\"},\"requests\":{\"cpu\":\"150m\"}}}}");
        Kubectl.Result other = k.run("patch", "pod", "plr", "--subresource", "resize", "-p",
                "{\"spec\":{\"resources\":{\"requests\":{\"ephemeral-storage\":\"1Gi\"}}}}");
        Kubectl.Result removed = k.run("patch", "pod", "plr", "--subresource", "resize", "--type", "json", "-p",
                "[{\"op\":\"remove\",\"path\":\"/spec/resources/limits\"}]");

        assertThat(below.exitCode()).isNotZero();
        assertThat(below.stderr()).contains("spec.resources.requests[memory]: Invalid value: \"16Mi\": must be greater"
                + " than or equal to aggregate container requests of 32Mi");
        assertThat(over.exitCode()).isNotZero();
        assertThat(over.stderr()).contains("spec.resources.containers[1][cpu].limits: Invalid value: \"200m\": must be"
                + " less than or equal to pod limits of 150m");
        assertThat(other.exitCode()).isNotZero();
        assertThat(other.stderr()).contains("spec.resources.requests[ephemeral-storage]: Unsupported value:"
                + " \"ephemeral-storage\": supported values: \"cpu\", \"memory\"");
        assertThat(removed.exitCode()).isNotZero();
        assertThat(removed.stderr()).contains("spec.resources.limits: Forbidden: resource limits cannot be removed");
        assertThat(field(".metadata.resourceVersion")).isEqualTo(version);
        assertThat(field(".metadata.generation")).isEqualTo("1");
        assertThat(field(".spec.resources.requests.memory")).isEqualTo("128Mi");
    }
}
