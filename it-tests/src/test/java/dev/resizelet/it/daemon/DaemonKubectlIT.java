package dev.resizelet.it.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon as a separate process in simulated mode, driven by the real kubectl binaries installed here. */
class DaemonKubectlIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String POD = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
            spec:
              containers:
              - name: c
                image: nginx
                resources:
                  requests: {cpu: 500m, memory: 128Mi}
                  limits: {cpu: 500m, memory: 128Mi}
            """;

    @TempDir
    Path home;
    private Path state;
    private DaemonProcess daemon;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(Kubectl.DISPATCHER)), "needs the kubectl dispatcher at " + Kubectl.DISPATCHER);
        DaemonProcess.emptyKubeconfig(home);
        Files.writeString(home.resolve("pod.yaml"), POD);
        state = home.resolve("state");
        daemon = DaemonProcess.start(state);
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

    /** Created pods start in the simulated runtime; wait for that so that later reads compare a settled status. */
    private void createRunning(Kubectl k) throws Exception {
        Kubectl.Result r = k.run("create", "-f", "pod.yaml");
        assertThat(r.exitCode()).as(r.all()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> pod(k, "web").at("/status/phase").asText().equals("Running"));
    }

    private static String cpuRequest(JsonNode pod) {
        return pod.at("/spec/containers/0/resources/requests/cpu").asText();
    }

    @Test
    void createGetResizeAndDeleteWithTheDispatcher() throws Exception {
        Kubectl k = kubectl();

        Kubectl.Result created = k.run("create", "-f", "pod.yaml");
        Kubectl.Result table = k.run("get", "pods");
        long rvBefore = pod(k, "web").at("/metadata/resourceVersion").asLong();
        Kubectl.Result patched = k.run("patch", "pod", "web", "--subresource", "resize", "-p",
                "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"800m\"},\"limits\":{\"cpu\":\"800m\"}}}]}}");

        assertThat(created.exitCode()).as(created.all()).isZero();
        assertThat(created.stdout()).contains("pod/web created");
        assertThat(table.stdout()).contains("NAME", "READY", "STATUS", "RESTARTS", "AGE").contains("web");
        assertThat(patched.exitCode()).as(patched.all()).isZero();
        JsonNode after = pod(k, "web");
        assertThat(after.at("/spec/containers/0/resources/limits/cpu").asText()).isEqualTo("800m");
        assertThat(after.at("/metadata/resourceVersion").asLong()).isGreaterThan(rvBefore);
        assertThat(after.at("/metadata/generation").asLong()).isEqualTo(2);

        Kubectl.Result deleted = k.run("delete", "pod", "web");
        assertThat(deleted.stdout()).contains("pod \"web\" deleted");
        Kubectl.Result gone = k.run("get", "pod", "web");
        assertThat(gone.exitCode()).isNotZero();
        assertThat(gone.stderr()).contains("pods \"web\" not found");
    }

    @Test
    void theKubectl127ClientResizesByPatchingThePodSpec() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(Kubectl.V1_27)), "needs " + Kubectl.V1_27);
        Kubectl k = new Kubectl(Kubectl.V1_27, daemon.url(), home);
        // kubectl 1.27 validates create -f against /openapi/v2 in protobuf, which the agent serves
        Kubectl.Result created = k.run("create", "-f", "pod.yaml");
        assertThat(created.exitCode()).as(created.all()).isZero();

        Kubectl.Result r = k.run("patch", "pod", "web", "-p",
                "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"700m\"},\"limits\":{\"cpu\":\"700m\"}}}]}}");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(pod(k, "web").at("/spec/containers/0/resources/limits/cpu").asText()).isEqualTo("700m");
    }

    @Test
    void theKubectl132ClientUsesTheResizeSubresource() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(Kubectl.V1_32)), "needs " + Kubectl.V1_32);
        Kubectl k = new Kubectl(Kubectl.V1_32, daemon.url(), home);
        assertThat(k.run("create", "-f", "pod.yaml").exitCode()).isZero();

        Kubectl.Result r = k.run("patch", "pod", "web", "--subresource", "resize", "-p",
                "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"memory\":\"256Mi\"},\"limits\":{\"memory\":\"256Mi\"}}}]}}");

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(pod(k, "web").at("/spec/containers/0/resources/requests/memory").asText()).isEqualTo("256Mi");
    }

    @Test
    void anInvalidResizePrintsTheApiserverMessageAndChangesNothing() throws Exception {
        Kubectl k = kubectl();
        createRunning(k);
        JsonNode before = pod(k, "web");

        // Guaranteed -> Burstable
        Kubectl.Result r = k.run("patch", "pod", "web", "--subresource", "resize", "-p",
                "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"250m\"}}}]}}");

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("The Pod \"web\" is invalid").contains("Pod QOS Class may not change as a result of resizing");
        assertThat(pod(k, "web")).isEqualTo(before);
    }

    @Test
    void unknownFieldsAreRefusedByTheServerUnderStrictValidation() throws Exception {
        Files.writeString(home.resolve("bad.yaml"), POD.replace("    image: nginx\n", "    image: nginx\n    foo: bar\n"));

        Kubectl.Result r = kubectl().run("create", "-f", "bad.yaml");

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("strict decoding error: unknown field \"spec.containers[0].foo\"");
        assertThat(kubectl().run("get", "pods").all()).contains("No resources found");
    }

    @Test
    void getWatchSeesTheChanges() throws Exception {
        Kubectl k = kubectl();
        k.run("create", "-f", "pod.yaml");
        Path out = home.resolve("watch.txt");
        Process watch = k.start(out, "get", "pods", "-w");
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(out).contains("web"));
            k.run("patch", "pod", "web", "--subresource", "resize", "-p",
                    "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"600m\"},\"limits\":{\"cpu\":\"600m\"}}}]}}");
            Files.writeString(home.resolve("other.yaml"), POD.replace("name: web", "name: other"));
            k.run("create", "-f", "other.yaml");

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                List<String> lines = Files.readAllLines(out);
                assertThat(lines.stream().filter(l -> l.startsWith("web")).count()).isGreaterThanOrEqualTo(2);
                assertThat(lines).anyMatch(l -> l.startsWith("other"));
            });
        } finally {
            watch.destroy();
            watch.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void killDashNineDuringResizesKeepsEveryAcknowledgedChange() throws Exception {
        Kubectl k = kubectl();
        assertThat(k.run("create", "-f", "pod.yaml").exitCode()).isZero();
        ResizeStream stream = new ResizeStream(daemon.url(), 500, 510, 2000).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> stream.acknowledged() >= 600);

        daemon.kill9();
        stream.join();
        int lastAcknowledged = stream.acknowledged();
        daemon = DaemonProcess.start(state);

        JsonNode after = pod(kubectl(), "web");
        int cpu = Integer.parseInt(cpuRequest(after).replace("m", ""));
        assertThat(cpu).isBetween(lastAcknowledged, lastAcknowledged + 10);
        long rv = after.at("/metadata/resourceVersion").asLong();
        Kubectl.Result r = kubectl().run("patch", "pod", "web", "--subresource", "resize", "-p",
                "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"3\"},\"limits\":{\"cpu\":\"3\"}}}]}}");
        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(pod(kubectl(), "web").at("/metadata/resourceVersion").asLong()).isGreaterThan(rv);
    }

    @Test
    void badRequestsGetStatusErrorsAndChangeNothing() throws Exception {
        Kubectl k = kubectl();
        createRunning(k);
        JsonNode before = pod(k, "web");
        HttpClient http = HttpClient.newHttpClient();
        String pods = daemon.url() + "/api/v1/namespaces/default/pods";

        HttpResponse<String> malformed = post(http, pods, "application/json", "{\"kind\":\"Pod\",");
        HttpResponse<String> huge = post(http, pods, "application/json", "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + "a".repeat(4 << 20) + "\"}}");
        HttpResponse<String> dotdot = post(http, pods, "application/json", JSON.writeValueAsString(JSON.readTree(
                "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"../x\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}")));
        HttpResponse<String> longName = post(http, pods, "application/json", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\""
                + "a".repeat(254) + "\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}");
        HttpResponse<String> uid = post(http, pods, "application/json", "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"u\","
                + "\"uid\":\"../../etc\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}");
        HttpResponse<String> protobuf = post(http, pods, "application/vnd.kubernetes.protobuf", "k8s\0");
        Kubectl.Result namespace = k.run("create", "namespace", "foo");

        assertThat(List.of(malformed.statusCode(), huge.statusCode(), dotdot.statusCode(), longName.statusCode(), uid.statusCode(),
                protobuf.statusCode())).containsExactly(400, 413, 422, 422, 422, 415);
        for (HttpResponse<String> r : List.of(malformed, huge, dotdot, longName, uid, protobuf)) {
            assertThat(JSON.readTree(r.body()).get("kind").asText()).isEqualTo("Status");
        }
        // namespaces read kubectl's protobuf body; pods refuse it with 415
        assertThat(namespace.stdout()).as(namespace.all()).contains("namespace/foo created");
        assertThat(pod(k, "web")).isEqualTo(before);
        assertThat(k.run("get", "pods", "-o", "name").stdout().trim()).isEqualTo("pod/web");
    }

    private static HttpResponse<String> post(HttpClient http, String url, String type, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aSecondDaemonOnATakenPortExitsWithTheReason() throws Exception {
        String port = daemon.url().substring(daemon.url().lastIndexOf(':') + 1);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "dev.resizelet.agent.Main", "serve", "--listen", "127.0.0.1:" + port)
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(p.getInputStream().readAllBytes());

        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(output).contains("resizelet: cannot start: cannot listen on 127.0.0.1:" + port);
    }
}
