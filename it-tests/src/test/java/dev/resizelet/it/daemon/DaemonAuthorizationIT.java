package dev.resizelet.it.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.cgroups.QosTier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authorization as the apiserver's ABAC does it, with the real kubectl and two client certificates against the TLS
 * listener: {@code alice} (O=viewers) may only read, {@code bob} (O=operators) may do everything. Reads work for both; a
 * resize by alice gets the apiserver's 403 and changes neither the pod nor its cgroup; bob's resize goes through. A
 * policy file with a malformed line refuses the start, naming the line.
 */
class DaemonAuthorizationIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POLICY = """
            # viewers read everything; operators do everything (paths included)
            {"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"group": "viewers", "namespace": "*", "resource": "*", "apiGroup": "*", "readonly": true}}
            {"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"group": "viewers", "nonResourcePath": "*", "readonly": true}}
            {"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"group": "operators", "namespace": "*", "resource": "*", "apiGroup": "*"}}
            {"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"group": "operators", "nonResourcePath": "*"}}
            """;
    private static final String RESIZE = "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"800m\"},"
            + "\"limits\":{\"cpu\":\"800m\"}}}]}}";

    @TempDir
    Path dir;
    private Path pki;
    private DaemonProcess daemon;

    @BeforeEach
    void makePki() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "needs openssl to make the test PKI");
        pki = Files.createDirectories(dir.resolve("pki"));
        Files.writeString(pki.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
        Files.writeString(pki.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=resizelet-test-ca", "-days", "1",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "server.key");
        openssl("req", "-new", "-key", "server.key", "-subj", "/CN=resizelet", "-out", "server.csr");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "1", "-extfile", "server.ext", "-out", "server.crt");
        for (String[] user : new String[][] {{"alice", "viewers"}, {"bob", "operators"}}) {
            openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", user[0] + ".key");
            openssl("req", "-new", "-key", user[0] + ".key", "-subj", "/O=" + user[1] + "/CN=" + user[0], "-out", user[0] + ".csr");
            openssl("x509", "-req", "-in", user[0] + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                    "-days", "1", "-extfile", "client.ext", "-out", user[0] + ".crt");
        }
    }

    @AfterEach
    void stop() throws Exception {
        Teardown.close(daemon);
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/openssl"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(pki, "out", ".txt");
        Process p = new ProcessBuilder(cmd).directory(pki.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + Files.readString(out, StandardCharsets.UTF_8)).isZero();
    }

    private DaemonProcess start(Path policy, Path cgroupRoot) throws IOException {
        return DaemonProcess.start(dir.resolve("state"), "--listen", "0.0.0.0:0",
                "--tls-cert-file", pki.resolve("server.crt").toString(),
                "--tls-private-key-file", pki.resolve("server.key").toString(),
                "--client-ca-file", pki.resolve("ca.crt").toString(),
                "--authorization-mode", "ABAC", "--authorization-policy-file", policy.toString(),
                "--cgroup-mount", cgroupRoot.toString(), "--cgroup-version", "v1");
    }

    private Kubectl kubectl(String user) throws IOException {
        Path home = Files.createDirectories(dir.resolve(user));
        Files.writeString(home.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters:
                - name: resizelet
                  cluster: {server: "%s", certificate-authority: %s}
                users:
                - name: %s
                  user: {client-certificate: %s, client-key: %s}
                contexts:
                - name: resizelet
                  context: {cluster: resizelet, user: %s}
                current-context: resizelet
                """.formatted(daemon.url(), pki.resolve("ca.crt"), user, pki.resolve(user + ".crt"), pki.resolve(user + ".key"), user));
        Files.writeString(home.resolve("pod.yaml"), DaemonKubectlIT.POD);
        return new Kubectl(Kubectl.DISPATCHER, daemon.url(), home);
    }

    private static JsonNode pod(Kubectl k) throws Exception {
        Kubectl.Result r = k.run("get", "pod", "web", "-o", "json");
        assertThat(r.exitCode()).as(r.all()).isZero();
        return JSON.readTree(r.stdout());
    }

    private static String runtimeCpuLimit(JsonNode pod) {
        return pod.at("/status/containerStatuses/0/resources/limits/cpu").asText();
    }

    @Test
    void aReadOnlyUsersResizeIsForbiddenAndChangesNothingWhileTheOperatorsGoesThrough() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(Kubectl.DISPATCHER)), "needs the kubectl dispatcher at " + Kubectl.DISPATCHER);
        Path policy = Files.writeString(dir.resolve("policy.jsonl"), POLICY);
        Path cgroupRoot = dir.resolve("cgroup");
        daemon = start(policy, cgroupRoot);
        Kubectl alice = kubectl("alice");
        Kubectl bob = kubectl("bob");

        Kubectl.Result created = bob.run("create", "-f", "pod.yaml");
        assertThat(created.exitCode()).as(created.all()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> runtimeCpuLimit(pod(bob)).equals("500m"));
        JsonNode before = pod(alice);
        String uid = before.at("/metadata/uid").asText();
        String containerId = before.at("/status/containerStatuses/0/containerID").asText().replaceFirst("^[a-z-]+://", "");
        CgroupManager cgroups = new CgroupManager(new CgroupConfig(cgroupRoot, "kubepods", CgroupVersion.V1,
                CgroupDriver.CGROUPFS), CgroupFs.real());
        Path quota = cgroups.file(cgroups.layout().container(cgroups.layout().pod(QosTier.GUARANTEED, uid), containerId),
                "cpu.cfs_quota_us");
        assertThat(Files.readString(quota).trim()).isEqualTo("50000");

        // reads work for both
        for (Kubectl reader : List.of(alice, bob)) {
            Kubectl.Result listed = reader.run("get", "pods");
            assertThat(listed.exitCode()).as(listed.all()).isZero();
            assertThat(listed.stdout()).contains("web").contains("Running");
        }

        Kubectl.Result refused = alice.run("patch", "pod", "web", "--subresource", "resize", "-p", RESIZE);
        Kubectl.Result refusedDelete = alice.run("delete", "pod", "web", "--wait=false");

        assertThat(refused.exitCode()).as(refused.all()).isNotZero();
        assertThat(refused.stderr()).contains("Error from server (Forbidden): pods \"web\" is forbidden: User \"alice\" cannot "
                + "patch resource \"pods/resize\" in API group \"\" in the namespace \"default\": No policy matched.");
        assertThat(refusedDelete.exitCode()).as(refusedDelete.all()).isNotZero();
        assertThat(refusedDelete.stderr()).contains("pods \"web\" is forbidden: User \"alice\" cannot delete resource \"pods\"");
        JsonNode after = pod(alice);
        assertThat(after.at("/metadata/resourceVersion").asText()).isEqualTo(before.at("/metadata/resourceVersion").asText());
        assertThat(after.at("/metadata/generation").asLong()).isEqualTo(1);
        assertThat(after.at("/spec/containers/0/resources/limits/cpu").asText()).isEqualTo("500m");
        assertThat(runtimeCpuLimit(after)).isEqualTo("500m");
        assertThat(Files.readString(quota).trim()).isEqualTo("50000");

        Kubectl.Result resized = bob.run("patch", "pod", "web", "--subresource", "resize", "-p", RESIZE);
        assertThat(resized.exitCode()).as(resized.all()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> runtimeCpuLimit(pod(bob)).equals("800m"));
        assertThat(Files.readString(quota).trim()).isEqualTo("80000");
        // the viewer reads the metrics; nobody else's certificate is needed for that
        assertThat(alice.run("get", "--raw", "/metrics").stdout()).contains("kubelet_container_requested_resizes_total");
    }

    @Test
    void aMalformedPolicyFileRefusesTheStartNamingTheLine() throws Exception {
        Path policy = Files.writeString(dir.resolve("policy.jsonl"), POLICY.lines().limit(2).reduce("", (a, b) -> a + b + "\n")
                + "{\"apiVersion\": \"abac.authorization.kubernetes.io/v1beta1\", \"kind\": \"Policy\", \"spec\": {\"group\": \"operators\",\n");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> start(policy, dir.resolve("cgroup")));

        assertThat(e.getMessage()).contains("resizelet: cannot start: error reading policy file " + policy + ", line 3: "
                + "{\"apiVersion\": \"abac.authorization.kubernetes.io/v1beta1\", \"kind\": \"Policy\", \"spec\": {\"group\": \"operators\",: "
                + "not a JSON object");
        assertThat(Files.exists(dir.resolve("state").resolve("pods"))).as("nothing was started").isFalse();
    }
}
