package dev.resizelet.it.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.resizelet.fakecri.CriRpc;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Namespaces as the apiserver keeps them, through kubectl against the daemon (fake runtime in this JVM): they are
 * durable (a kill -9 loses none, nor a Terminating mark), a pod in a namespace that does not exist is refused with
 * NamespaceLifecycle's 404, deleting a namespace makes it Terminating, deletes its pods, refuses new ones (403) and
 * removes it once they are gone; and labels or annotations of a pod change its resourceVersion, not its generation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DaemonNamespacesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** One node and daemon for the class (the tests use names of their own); a test that kills it starts it again. */
    @TempDir
    static Path home;
    private FakeNode node;
    private DaemonProcess daemon;

    @BeforeAll
    void start() throws Exception {
        if (!Files.isExecutable(Path.of(Kubectl.V1_32))) {
            return;
        }
        DaemonProcess.emptyKubeconfig(home);
        node = new FakeNode(home.resolve("node"));
        daemon = node.start();
    }

    @BeforeEach
    void needsKubectl() {
        assumeTrue(daemon != null, "needs kubectl at " + Kubectl.V1_32);
    }

    @AfterAll
    void stop() throws Exception {
        Teardown.close(daemon, node);
    }

    private Kubectl kubectl() {
        return new Kubectl(Kubectl.V1_32, daemon.url(), home);
    }

    private static String pod(String name, String namespace) {
        return """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","namespace":"%s"},"spec":{"containers":[
                 {"name":"c","image":"busybox","resources":{"requests":{"cpu":"100m","memory":"64Mi"},
                  "limits":{"cpu":"100m","memory":"64Mi"}}}]}}""".formatted(name, namespace);
    }

    private Kubectl.Result createPod(Kubectl k, String name, String namespace) throws Exception {
        Path file = home.resolve(namespace + "-" + name + ".json");
        Files.writeString(file, pod(name, namespace));
        return k.run("create", "-f", file.toString());
    }

    private static JsonNode json(Kubectl.Result r) throws Exception {
        assertThat(r.exitCode()).as(r.all()).isZero();
        return JSON.readTree(r.stdout());
    }

    @Test
    void namespacesSurviveKillDashNine() throws Exception {
        Kubectl k = kubectl();
        Files.writeString(home.resolve("ns.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kept\n"
                + "  labels: {team: a}\n  annotations: {owner: me}\n");
        assertThat(k.run("create", "-f", "ns.yaml").exitCode()).isZero();
        assertThat(k.run("create", "namespace", "other").exitCode()).isZero(); // the protobuf body
        JsonNode demo = json(k.run("get", "namespace", "kept", "-o", "json"));
        String defaultUid = json(k.run("get", "namespace", "default", "-o", "json")).at("/metadata/uid").asText();

        daemon.kill9();
        daemon = node.start();
        Kubectl after = kubectl();

        JsonNode restored = json(after.run("get", "namespace", "kept", "-o", "json"));
        assertThat(restored.at("/metadata/uid")).isEqualTo(demo.at("/metadata/uid"));
        assertThat(restored.at("/metadata/creationTimestamp")).isEqualTo(demo.at("/metadata/creationTimestamp"));
        assertThat(restored.at("/metadata/labels/team").asText()).isEqualTo("a");
        assertThat(restored.at("/metadata/annotations/owner").asText()).isEqualTo("me");
        assertThat(after.run("get", "namespaces", "-o", "name").stdout().lines())
                .contains("namespace/default", "namespace/kept", "namespace/kube-node-lease", "namespace/kube-public",
                        "namespace/kube-system", "namespace/other");
        assertThat(json(after.run("get", "namespace", "default", "-o", "json")).at("/metadata/uid").asText()).isEqualTo(defaultUid);
        assertThat(createPod(after, "web", "kept").exitCode()).isZero();
    }

    @Test
    void aPodInANamespaceThatDoesNotExistIsRefusedWithNotFound() throws Exception {
        Kubectl k = kubectl();

        Kubectl.Result r = createPod(k, "web", "nope");
        HttpResponse<String> http = node.send(daemon, "POST", "/api/v1/namespaces/nope/pods", "application/json", pod("web", "nope"));

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("Error from server (NotFound)").contains("namespaces \"nope\" not found");
        assertThat(http.statusCode()).isEqualTo(404);
        JsonNode status = JSON.readTree(http.body());
        assertThat(status.path("reason").asText()).isEqualTo("NotFound");
        assertThat(status.at("/details/kind").asText()).isEqualTo("namespaces");
        assertThat(status.at("/details/name").asText()).isEqualTo("nope");
        assertThat(k.run("get", "pods", "-n", "nope", "-o", "name").stdout()).isEmpty();
        assertThat(node.fake.sandboxIds().stream().map(id -> node.fake.sandbox(id).orElseThrow())
                .filter(sb -> "nope".equals(sb.getLabelsOrDefault("io.kubernetes.pod.namespace", ""))))
                .as("nothing reached the runtime").isEmpty();
    }

    @Test
    void aDeletedNamespaceTerminatesDeletesItsPodsRefusesNewOnesAndGoesEvenAcrossAKill() throws Exception {
        Kubectl k = kubectl();
        assertThat(k.run("create", "namespace", "demo").exitCode()).isZero();
        assertThat(createPod(k, "web", "demo").exitCode()).isZero();
        await().atMost(WAIT).until(() -> json(k.run("get", "pod", "web", "-n", "demo", "-o", "json"))
                .at("/status/phase").asText().equals("Running"));
        node.fake.setLatency(CriRpc.STOP_CONTAINER, Duration.ofSeconds(4)); // the pod takes a while to stop

        Kubectl.Result deleted = k.run("delete", "namespace", "demo", "--wait=false");

        assertThat(deleted.stdout()).as(deleted.all()).contains("namespace \"demo\" deleted");
        JsonNode terminating = json(k.run("get", "namespace", "demo", "-o", "json"));
        assertThat(terminating.at("/status/phase").asText()).isEqualTo("Terminating");
        assertThat(terminating.at("/metadata/deletionTimestamp").isTextual()).isTrue();
        assertThat(json(k.run("get", "pod", "web", "-n", "demo", "-o", "json")).at("/metadata/deletionTimestamp").isTextual())
                .as("its pod is being deleted").isTrue();
        Kubectl.Result refused = createPod(k, "late", "demo");
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stderr()).contains("Error from server (Forbidden)")
                .contains("pods \"late\" is forbidden: unable to create new content in namespace demo because it is being terminated");
        assertThat(k.run("delete", "namespace", "demo").stderr())
                .contains("The system is ensuring all content is removed from this namespace");

        daemon.kill9();
        node.fake.clearLatencies();
        daemon = node.start();
        Kubectl after = kubectl();

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(after.run("get", "namespace", "demo").stderr()).contains("namespaces \"demo\" not found");
            assertThat(after.run("get", "pods", "-n", "demo", "-o", "name").stdout()).isEmpty();
        });
        assertThat(createPod(after, "web", "demo").stderr()).contains("namespaces \"demo\" not found");
    }

    @Test
    void labelsAndAnnotationsChangeTheResourceVersionNotTheGeneration() throws Exception {
        Kubectl k = kubectl();
        assertThat(createPod(k, "web", "default").exitCode()).isZero();
        JsonNode before = json(k.run("get", "pod", "web", "-o", "json"));

        assertThat(k.run("label", "pod", "web", "app=web").exitCode()).isZero();
        assertThat(k.run("annotate", "pod", "web", "owner=me").exitCode()).isZero();
        JsonNode labelled = json(k.run("get", "pod", "web", "-o", "json"));

        assertThat(labelled.at("/metadata/labels/app").asText()).isEqualTo("web");
        assertThat(labelled.at("/metadata/annotations/owner").asText()).isEqualTo("me");
        assertThat(labelled.at("/metadata/generation").asLong()).isEqualTo(1);
        assertThat(labelled.at("/metadata/resourceVersion")).isNotEqualTo(before.at("/metadata/resourceVersion"));

        // concurrent label writers: without a new generation to guard them, each write is checked against the
        // version its patch was applied to, so none overwrites another's label
        List<Thread> writers = new ArrayList<>();
        List<Kubectl.Result> results = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 4; i++) {
            String label = "w" + i + "=v";
            Thread t = new Thread(() -> {
                try {
                    results.add(k.run("label", "pod", "web", label));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            writers.add(t);
            t.start();
        }
        for (Thread t : writers) {
            t.join();
        }
        assertThat(results).allSatisfy(r -> assertThat(r.exitCode()).as(r.all()).isZero());
        JsonNode all = json(k.run("get", "pod", "web", "-o", "json"));
        assertThat(all.at("/metadata/labels").toString()).contains("\"w0\":\"v\"", "\"w1\":\"v\"", "\"w2\":\"v\"", "\"w3\":\"v\"");
        assertThat(all.at("/metadata/generation").asLong()).isEqualTo(1);

        JsonNode resized = json(k.run("patch", "pod", "web", "--subresource", "resize", "-o", "json", "-p",
                FakeNode.resizePatch("200m")));
        assertThat(resized.at("/metadata/generation").asLong()).as("a spec change bumps it").isEqualTo(2);

        daemon.kill9();
        daemon = node.start();
        JsonNode restored = json(kubectl().run("get", "pod", "web", "-o", "json"));
        assertThat(restored.at("/metadata/generation").asLong()).isEqualTo(2);
        assertThat(restored.at("/metadata/labels/app").asText()).isEqualTo("web");
    }
}
