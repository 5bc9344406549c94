package dev.resizelet.it.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * The API as the kubelet's port serves it: on a non-loopback address only over TLS with client certificates. The
 * PKI is made here with the openssl commands docs/reliability.md shows; the clients are the real kubectl and curl.
 */
class DaemonTlsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private Path pki;
    private DaemonProcess daemon;

    @BeforeEach
    void makePki() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/openssl")), "needs openssl to make the test PKI");
        pki = Files.createDirectories(dir.resolve("pki"));
        Files.writeString(pki.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                + "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
        Files.writeString(pki.resolve("client.ext"), "keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n");
        // a CA (EC), a serving key as kubeadm writes them (RSA, PKCS#1) and a client key in SEC1 form with its
        // "EC PARAMETERS" block, as openssl ecparam writes it
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=resizelet-test-ca", "-days", "1",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        openssl("genrsa", "-traditional", "-out", "server.key", "2048");
        openssl("req", "-new", "-key", "server.key", "-subj", "/CN=resizelet", "-out", "server.csr");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "1", "-extfile", "server.ext", "-out", "server.crt");
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", "client.key");
        openssl("req", "-new", "-key", "client.key", "-subj", "/O=system:masters/CN=alice", "-out", "client.csr");
        openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "1", "-extfile", "client.ext", "-out", "client.crt");
        // a stranger's own CA and client certificate
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "other-ca.key", "-out", "other-ca.crt", "-subj", "/CN=someone-else", "-days", "1",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", "mallory.key");
        openssl("req", "-new", "-key", "mallory.key", "-subj", "/O=system:masters/CN=mallory", "-out", "mallory.csr");
        openssl("x509", "-req", "-in", "mallory.csr", "-CA", "other-ca.crt", "-CAkey", "other-ca.key",
                "-CAcreateserial", "-days", "1", "-extfile", "client.ext", "-out", "mallory.crt");
        assertThat(Files.readString(pki.resolve("server.key"))).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(Files.readString(pki.resolve("client.key"))).contains("-----BEGIN EC PRIVATE KEY-----");
    }

    @AfterEach
    void stop() throws Exception {
        Teardown.close(daemon);
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/openssl"));
        cmd.addAll(List.of(args));
        Result r = run(pki, cmd);
        assertThat(r.exit()).as(String.join(" ", cmd) + "\n" + r.out()).isZero();
    }

    private record Result(int exit, String out) {
    }

    private static Result run(Path cwd, List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile(cwd, "out", ".txt");
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new IllegalStateException("timed out: " + cmd);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    private DaemonProcess startTls(String listen) throws IOException {
        return DaemonProcess.start(dir.resolve("state"), "--listen", listen,
                "--tls-cert-file", pki.resolve("server.crt").toString(),
                "--tls-private-key-file", pki.resolve("server.key").toString(),
                "--client-ca-file", pki.resolve("ca.crt").toString());
    }

    /** A kubectl home whose kubeconfig trusts the agent's CA and holds {@code user} (kubeconfig YAML flow map). */
    private Kubectl kubectl(String name, String user) throws IOException {
        Path home = Files.createDirectories(dir.resolve(name));
        Files.writeString(home.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters:
                - name: resizelet
                  cluster: {server: "%s", certificate-authority: %s}
                users:
                - name: alice
                  user: %s
                contexts:
                - name: resizelet
                  context: {cluster: resizelet, user: alice}
                current-context: resizelet
                """.formatted(daemon.url(), pki.resolve("ca.crt"), user));
        Files.writeString(home.resolve("pod.yaml"), DaemonKubectlIT.POD);
        return new Kubectl(Kubectl.DISPATCHER, daemon.url(), home);
    }

    @Test
    void kubectlWithAClientCertificateWorksAndWithoutOneGets401() throws Exception {
        assumeTrue(Files.isExecutable(Path.of(Kubectl.DISPATCHER)), "needs the kubectl dispatcher at " + Kubectl.DISPATCHER);
        daemon = startTls("0.0.0.0:0"); // every address: allowed only because TLS and a client CA are given
        assertThat(daemon.url()).startsWith("https://127.0.0.1:");
        Kubectl alice = kubectl("alice", "{client-certificate: " + pki.resolve("client.crt") + ", client-key: "
                + pki.resolve("client.key") + "}");
        List<Kubectl> strangers = List.of(
                kubectl("nobody", "{}"), // no credentials at all
                kubectl("token", "{token: not-a-certificate}"), // a bearer token: the agent takes certificates only
                kubectl("mallory", "{client-certificate: " + pki.resolve("mallory.crt") + ", client-key: "
                        + pki.resolve("mallory.key") + "}")); // a certificate another CA signed

        Kubectl.Result created = alice.run("create", "-f", "pod.yaml");
        assertThat(created.exitCode()).as(created.all()).isZero();
        assertThat(created.stdout()).contains("pod/web created");
        await().atMost(Duration.ofSeconds(30)).until(() -> alice.run("get", "pods").stdout().contains("Running"));
        Kubectl.Result listed = alice.run("get", "pods");
        assertThat(listed.exitCode()).as(listed.all()).isZero();
        assertThat(listed.stdout()).contains("NAME").contains("web");

        for (Kubectl stranger : strangers) {
            Kubectl.Result refused = stranger.run("get", "pods", "-v=6");
            assertThat(refused.exitCode()).as(refused.all()).isNotZero();
            assertThat(refused.stdout()).doesNotContain("web");
            Kubectl.Result refusedDelete = stranger.run("delete", "pod", "web");
            assertThat(refusedDelete.exitCode()).as(refusedDelete.all()).isNotZero();
            if (stranger != strangers.get(0)) { // with no credentials at all kubectl asks for a user name instead
                assertThat(refused.stderr()).contains("/api?timeout=20s 401 Unauthorized")
                        .contains("error: You must be logged in to the server");
            }
        }
        assertThat(alice.run("get", "pod", "web").exitCode()).isZero(); // the strangers changed nothing
    }

    @Test
    void curlWithoutAClientCertificateGetsTheUnauthorizedStatus() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "needs curl");
        daemon = startTls("127.0.0.1:0");
        String pods = daemon.url() + "/api/v1/namespaces/default/pods";

        Result anonymous = run(dir, List.of("/usr/bin/curl", "-sS", "--cacert", pki.resolve("ca.crt").toString(),
                "-w", "\n%{http_code}", pods));
        Result alice = run(dir, List.of("/usr/bin/curl", "-sS", "--cacert", pki.resolve("ca.crt").toString(),
                "--cert", pki.resolve("client.crt").toString(), "--key", pki.resolve("client.key").toString(),
                "-w", "\n%{http_code}", pods));

        assertThat(anonymous.exit()).as(anonymous.out()).isZero();
        String[] parts = anonymous.out().split("\n(?=\\d{3}$)");
        assertThat(parts[1]).isEqualTo("401");
        JsonNode status = JSON.readTree(parts[0]);
        assertThat(status.get("kind").asText()).isEqualTo("Status");
        assertThat(status.get("reason").asText()).isEqualTo("Unauthorized");
        assertThat(status.get("code").asInt()).isEqualTo(401);
        assertThat(alice.exit()).as(alice.out()).isZero();
        assertThat(alice.out()).endsWith("\n200").contains("\"kind\":\"PodList\"");
    }

    @Test
    void aNonLoopbackListenWithoutTlsRefusesToStartNamingTheFlags() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DaemonProcess.start(dir.resolve("state"), "--listen", "0.0.0.0:0"));

        assertThat(e.getMessage()).contains("--listen 0.0.0.0:0 is not a loopback address")
                .contains("--tls-cert-file and --tls-private-key-file and --client-ca-file");
    }

    @Test
    void aKeyThatIsNotTheCertificatesRefusesToStart() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DaemonProcess.start(dir.resolve("state"), "--listen", "127.0.0.1:0",
                        "--tls-cert-file", pki.resolve("server.crt").toString(),
                        "--tls-private-key-file", pki.resolve("client.key").toString(),
                        "--client-ca-file", pki.resolve("ca.crt").toString()));

        assertThat(e.getMessage()).contains("resizelet: cannot start: --tls-private-key-file " + pki.resolve("client.key")
                + " is not the key of the certificate in --tls-cert-file " + pki.resolve("server.crt"));
    }
}
