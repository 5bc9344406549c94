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
 * A node that advertises an extended resource ({@code --extended-resources}): pods requesting it are admitted while
 * it lasts and then rejected as the kubelet rejects them ({@code OutOf<name>}), through the real kubectl.
 */
class DaemonExtendedResourcesIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path home;
    private DaemonProcess daemon;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(Kubectl.DISPATCHER)), "needs the kubectl dispatcher at " + Kubectl.DISPATCHER);
        DaemonProcess.emptyKubeconfig(home);
        daemon = DaemonProcess.start(home.resolve("state"), "--extended-resources=example.com/dongle=1");
    }

    @AfterEach
    void stop() throws Exception {
        Teardown.close(daemon);
    }

    private static String pod(String name, String extended) {
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
                      requests: {cpu: 100m, memory: 64Mi, %s: "1"}
                      limits: {cpu: 100m, memory: 64Mi, %s: "1"}
                """.formatted(name, extended, extended);
    }

    private String field(Kubectl k, String pod, String path) throws Exception {
        Kubectl.Result r = k.run("get", "pod", pod, "-o", "jsonpath={" + path + "}");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return r.stdout().trim();
    }

    @Test
    void theAdvertisedCountIsHeldByTheFirstPodAndTheNextOneIsRejectedWithTheKubeletsReason() throws Exception {
        Kubectl k = new Kubectl(Kubectl.DISPATCHER, daemon.url(), home);
        for (String[] p : new String[][] {{"first", "example.com/dongle"}, {"second", "example.com/dongle"},
                {"unadvertised", "vendor.io/fpga"}}) {
            Files.writeString(home.resolve(p[0] + ".yaml"), pod(p[0], p[1]));
            Kubectl.Result r = k.run("create", "-f", p[0] + ".yaml");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
        }

        await().atMost(WAIT).untilAsserted(() -> assertThat(field(k, "first", ".status.phase")).isEqualTo("Running"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(field(k, "second", ".status.phase")).isEqualTo("Failed"));
        assertThat(field(k, "second", ".status.reason")).isEqualTo("OutOfexample.com/dongle");
        assertThat(field(k, "second", ".status.message")).isEqualTo(
                "Node didn't have enough resource: example.com/dongle, requested: 1, used: 1, capacity: 1");
        // like the kubelet, a request of an extended resource the node does not advertise is left out of the fit
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(field(k, "unadvertised", ".status.phase")).isEqualTo("Running"));
        // the extended resource is carried into status from the allocation (it is not resizable)
        assertThat(field(k, "first", ".status.containerStatuses[0].allocatedResources.example\\.com/dongle"))
                .isEqualTo("1");
    }
}
