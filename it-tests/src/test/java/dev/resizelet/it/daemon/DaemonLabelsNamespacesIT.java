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

/**
 * Labels and label selectors, the namespaces resource, /openapi/v2 for kubectl 1.27 and strategic merge patch of an
 * atomic list, through the real kubectl binaries against the daemon in simulated mode.
 */
class DaemonLabelsNamespacesIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path home;
    private DaemonProcess daemon;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(Kubectl.DISPATCHER)), "needs the kubectl dispatcher at " + Kubectl.DISPATCHER);
        DaemonProcess.emptyKubeconfig(home);
        daemon = DaemonProcess.start(home.resolve("state"));
    }

    @AfterEach
    void stop() throws Exception {
        Teardown.close(daemon);
    }

    private Kubectl kubectl() {
        return new Kubectl(Kubectl.DISPATCHER, daemon.url(), home);
    }

    private static String pod(String name, String labels) {
        return """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: %s
                  labels: {%s}
                spec:
                  containers:
                  - name: c
                    image: nginx
                    resizePolicy:
                    - {resourceName: cpu, restartPolicy: NotRequired}
                    - {resourceName: memory, restartPolicy: NotRequired}
                    resources:
                      requests: {cpu: 100m, memory: 64Mi}
                      limits: {cpu: 100m, memory: 64Mi}
                """.formatted(name, labels);
    }

    private void create(Kubectl k, String name, String labels) throws Exception {
        Files.writeString(home.resolve(name + ".yaml"), pod(name, labels));
        Kubectl.Result r = k.run("create", "-f", name + ".yaml");
        assertThat(r.exitCode()).as(r.all()).isZero();
    }

    @Test
    void labelsAreKeptAndSelectedLikeTheApiserverSelectsThem() throws Exception {
        Kubectl k = kubectl();
        create(k, "web", "app: web, tier: front");
        create(k, "db", "app: db");
        create(k, "plain", "");

        Kubectl.Result web = k.run("get", "pods", "-l", "app=web", "-o", "name");
        Kubectl.Result set = k.run("get", "pods", "-l", "app in (web,db),tier!=front", "-o", "name");
        Kubectl.Result none = k.run("get", "pods", "-l", "!app", "-o", "name");
        Kubectl.Result shown = k.run("get", "pods", "--show-labels");
        Kubectl.Result bad = k.run("get", "pods", "-l", "app in (web");
        Kubectl.Result labelled = k.run("label", "pod", "plain", "app=later");
        Kubectl.Result later = k.run("get", "pods", "-l", "app=later", "-o", "name");
        JsonNode stored = JSON.readTree(k.run("get", "pod", "web", "-o", "json").stdout());

        assertThat(web.stdout().strip()).as(web.all()).isEqualTo("pod/web");
        assertThat(set.stdout().strip()).as(set.all()).isEqualTo("pod/db");
        assertThat(none.stdout().strip()).as(none.all()).isEqualTo("pod/plain");
        assertThat(shown.stdout()).contains("app=web,tier=front");
        assertThat(stored.at("/metadata/labels/app").asText()).isEqualTo("web");
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.stderr()).contains("unable to parse requirement: found '', expected: ',' or ')'");
        assertThat(labelled.exitCode()).as(labelled.all()).isZero();
        assertThat(later.stdout().strip()).as(later.all()).isEqualTo("pod/plain");
    }

    @Test
    void anInvalidLabelIsRefusedWithTheApiserverMessageAndNothingIsCreated() throws Exception {
        Kubectl k = kubectl();
        Files.writeString(home.resolve("bad.yaml"), pod("bad", "\"-x\": web"));

        Kubectl.Result r = k.run("create", "-f", "bad.yaml");

        assertThat(r.exitCode()).isNotZero();
        assertThat(r.stderr()).contains("metadata.labels: Invalid value: \"-x\": name part must consist of alphanumeric characters");
        assertThat(k.run("get", "pods").all()).contains("No resources found");
    }

    @Test
    void namespacesAreCreatedListedAndDeletedWithTheGeneratedCommand() throws Exception {
        Kubectl k = kubectl();

        Kubectl.Result created = k.run("create", "namespace", "demo");
        Kubectl.Result again = k.run("create", "namespace", "demo");
        Kubectl.Result table = k.run("get", "namespaces");
        JsonNode demo = JSON.readTree(k.run("get", "namespace", "demo", "-o", "json").stdout());
        Kubectl.Result invalid = k.run("create", "namespace", "Demo");
        Kubectl.Result protectedOne = k.run("delete", "namespace", "default");

        assertThat(created.exitCode()).as(created.all()).isZero();
        assertThat(created.stdout()).contains("namespace/demo created");
        assertThat(again.stderr()).contains("namespaces \"demo\" already exists");
        assertThat(table.stdout()).containsPattern("NAME\\s+STATUS\\s+AGE").containsPattern("demo\\s+Active")
                .containsPattern("default\\s+Active").contains("kube-system");
        assertThat(demo.at("/metadata/labels/kubernetes.io~1metadata.name").asText()).isEqualTo("demo");
        assertThat(demo.at("/status/phase").asText()).isEqualTo("Active");
        assertThat(invalid.exitCode()).isNotZero();
        assertThat(invalid.stderr()).contains("metadata.name: Invalid value: \"Demo\": a lowercase RFC 1123 label must consist of");
        assertThat(protectedOne.stderr()).contains("namespaces \"default\" is forbidden: this namespace may not be deleted");

        Files.writeString(home.resolve("in-demo.yaml"), pod("web", "app: web").replace("  name: web\n", "  name: web\n  namespace: demo\n"));
        assertThat(k.run("create", "-f", "in-demo.yaml").exitCode()).isZero();
        Kubectl.Result deleted = k.run("delete", "namespace", "demo");

        assertThat(deleted.exitCode()).as(deleted.all()).isZero();
        assertThat(deleted.stdout()).contains("namespace \"demo\" deleted");
        assertThat(k.run("get", "namespace", "demo").stderr()).contains("namespaces \"demo\" not found");
        assertThat(k.run("get", "pods", "-n", "demo").all()).as("its pods went with it").contains("No resources found");
    }

    @Test
    void kubectl127CreatesFromAFileWithValidationAgainstOpenApiV2() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(Kubectl.V1_27)), "needs " + Kubectl.V1_27);
        Kubectl k = new Kubectl(Kubectl.V1_27, daemon.url(), home);
        Files.writeString(home.resolve("web.yaml"), pod("web", "app: web"));
        Files.writeString(home.resolve("bad.yaml"), pod("bad", "app: web").replace("    image: nginx\n", "    image: nginx\n    foo: bar\n"));

        Kubectl.Result created = k.run("create", "-f", "web.yaml");
        Kubectl.Result unknown = k.run("create", "-f", "bad.yaml");
        Kubectl.Result ns = k.run("create", "namespace", "old-client");

        assertThat(created.exitCode()).as(created.all()).isZero();
        assertThat(created.stdout()).contains("pod/web created");
        assertThat(unknown.exitCode()).isNotZero();
        assertThat(unknown.stderr()).contains("unknown field").contains("foo");
        assertThat(ns.exitCode()).as(ns.all()).isZero();
        assertThat(k.run("get", "pods", "-l", "app=web", "-o", "name").stdout().strip()).isEqualTo("pod/web");
    }

    @Test
    void aStrategicMergePatchReplacesTheAtomicResizePolicyWhole() throws Exception {
        Kubectl k = kubectl();
        create(k, "web", "app: web");
        await().atMost(Duration.ofSeconds(30)).until(() ->
                JSON.readTree(k.run("get", "pod", "web", "-o", "json").stdout()).at("/status/phase").asText().equals("Running"));

        Kubectl.Result r = k.run("patch", "pod", "web", "--subresource", "resize", "--type", "strategic", "-p",
                "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resizePolicy\":[{\"resourceName\":\"memory\",\"restartPolicy\":\"RestartContainer\"}]}]}}");
        JsonNode after = JSON.readTree(k.run("get", "pod", "web", "-o", "json").stdout());

        assertThat(r.exitCode()).as(r.all()).isZero();
        assertThat(after.at("/spec/containers/0/resizePolicy")).isEqualTo(
                JSON.readTree("[{\"resourceName\":\"memory\",\"restartPolicy\":\"RestartContainer\"}]"));
        assertThat(after.at("/spec/containers/0/image").asText()).isEqualTo("nginx");
    }

    @Test
    void aWatchWithALabelSelectorSeesAPodLeaveAndReturnAsDeletedAndAdded() throws Exception {
        Kubectl k = kubectl();
        create(k, "web", "app: web");
        java.util.concurrent.BlockingQueue<String> events = new java.util.concurrent.LinkedBlockingQueue<>();
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(daemon.url()
                + "/api/v1/namespaces/default/pods?watch=1&labelSelector=app%3Dweb&timeoutSeconds=30")).build();
        var done = http.sendAsync(request, java.net.http.HttpResponse.BodyHandlers.ofLines()).thenAccept(r ->
                r.body().filter(l -> !l.isBlank()).forEach(l -> {
                    try {
                        JsonNode e = JSON.readTree(l);
                        events.add(e.path("type").asText() + " " + e.path("object").path("metadata").path("name").asText()
                                + " " + e.path("object").path("metadata").path("labels").path("app").asText());
                    } catch (java.io.IOException ex) {
                        events.add("UNPARSABLE " + l);
                    }
                }));
        assertThat(events.poll(20, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("ADDED web web");

        assertThat(k.run("label", "pod", "web", "app=db", "--overwrite").exitCode()).isZero();
        assertThat(nextOtherThanStatus(events)).isEqualTo("DELETED web db");
        assertThat(k.run("label", "pod", "web", "app=web", "--overwrite").exitCode()).isZero();
        // status updates of a pod that does not match meanwhile are not sent; back in view it is ADDED again
        assertThat(nextOtherThanStatus(events)).isEqualTo("ADDED web web");
        done.cancel(true);
    }

    /** The next event that is not a status update of the pod while it matches (it starts running meanwhile). */
    private static String nextOtherThanStatus(java.util.concurrent.BlockingQueue<String> events) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        String e;
        do {
            e = events.poll(Math.max(1, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        } while ("MODIFIED web web".equals(e));
        return e;
    }
}
