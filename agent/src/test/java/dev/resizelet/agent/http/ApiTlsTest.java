package dev.resizelet.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ApiTlsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TestPki.Issued CA = TestPki.ca("resizelet-test-ca");
    private static final TestPki.Issued OTHER_CA = TestPki.ca("someone-else");
    private static final TestPki.Issued SERVER = TestPki.server(CA, TestPki.ec());
    private static final TestPki.Issued ALICE = TestPki.client(CA, "alice", "system:masters");
    private static final TestPki.Issued MALLORY = TestPki.client(OTHER_CA, "mallory", "system:masters");

    @TempDir
    Path dir;
    Path cert;
    Path key;
    Path clientCa;
    ApiServer server;

    @BeforeEach
    void files() {
        cert = TestPki.writeCert(dir.resolve("server.crt"), SERVER.cert());
        key = TestPki.writePkcs8Key(dir.resolve("server.key"), SERVER.keys());
        clientCa = TestPki.writeCert(dir.resolve("ca.crt"), CA.cert());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    // ---------------------------------------------------------------- which listen addresses need what

    static Stream<Arguments> refusedFlagSets() {
        return Stream.of(
                Arguments.of("0.0.0.0", false, false, false,
                        "--listen 0.0.0.0:8080 is not a loopback address: like the kubelet's port, the pod API is served "
                                + "there only over TLS with client certificates; give --tls-cert-file and "
                                + "--tls-private-key-file and --client-ca-file (or listen on 127.0.0.1)"),
                Arguments.of("10.1.2.3", true, true, false, "give --client-ca-file (or listen on 127.0.0.1)"),
                Arguments.of("::", false, false, true, "--client-ca-file needs TLS: give --tls-cert-file and --tls-private-key-file too"),
                Arguments.of("127.0.0.1", true, false, false, "--tls-cert-file and --tls-private-key-file go together"),
                Arguments.of("127.0.0.1", false, false, true, "--client-ca-file needs TLS"));
    }

    @ParameterizedTest
    @MethodSource("refusedFlagSets")
    void aFlagSetThatWouldLetStrangersInIsRefusedNamingTheFlags(String host, boolean withCert, boolean withKey,
            boolean withCa, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ApiTls.checkFlags(
                new InetSocketAddress(host, 8080), withCert ? cert : null, withKey ? key : null, withCa ? clientCa : null));

        assertThat(e.getMessage()).contains(message);
    }

    static Stream<Arguments> allowedFlagSets() {
        return Stream.of(
                Arguments.of("127.0.0.1", false, false), // the two-command start: plain HTTP on loopback
                Arguments.of("::1", false, false),
                Arguments.of("localhost", false, false),
                Arguments.of("127.0.0.1", true, false), // HTTPS without client certificates, loopback only
                Arguments.of("0.0.0.0", true, true));
    }

    @ParameterizedTest
    @MethodSource("allowedFlagSets")
    void loopbackMayServePlainHttpAndAnyAddressMayServeMutualTls(String host, boolean withTls, boolean withCa) {
        ApiTls.checkFlags(new InetSocketAddress(host, 8080), withTls ? cert : null, withTls ? key : null,
                withCa ? clientCa : null);
    }

    // ---------------------------------------------------------------- reading PEM files

    @Test
    void keysAreReadInEveryFormTheKubeletTakes() {
        var rsa = TestPki.rsa();
        var rsaServer = TestPki.server(CA, rsa);
        Path rsaCert = TestPki.writeCert(dir.resolve("rsa.crt"), rsaServer.cert());

        assertThat(ApiTls.readPrivateKey("--k", TestPki.writeTraditionalKey(dir.resolve("rsa1.key"), rsa)))
                .isEqualTo(rsa.getPrivate());
        assertThat(ApiTls.readPrivateKey("--k", TestPki.writePkcs8Key(dir.resolve("rsa8.key"), rsa)))
                .isEqualTo(rsa.getPrivate());
        assertThat(ApiTls.readPrivateKey("--k", TestPki.writeTraditionalKey(dir.resolve("ec1.key"), SERVER.keys())))
                .isInstanceOfSatisfying(ECPrivateKey.class, k -> assertThat(k.getS())
                        .isEqualTo(((ECPrivateKey) SERVER.keys().getPrivate()).getS()));
        assertThat(ApiTls.load(rsaCert, dir.resolve("rsa1.key"), clientCa).requiresClientCertificates()).isTrue();
        assertThat(ApiTls.load(cert, dir.resolve("ec1.key"), null).requiresClientCertificates()).isFalse();
    }

    @Test
    void badFilesAreRefusedWithTheFlagAndThePath() throws Exception {
        Path missing = dir.resolve("nope.key");
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a pem file\n");
        Path encrypted = Files.writeString(dir.resolve("enc.key"), """
                -----BEGIN ENCRYPTED PRIVATE KEY-----
                MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiOGOxXfUAkrAICCAAw
                DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEFqL6nO2+QeMqfKAe2A3uVQEQPcE
                UdhYWyHB/xC3DcFsvtnUQFM8pTyN56gH4ChIfUzB0U64IC/mgJOm8UPUo20sn15F
                8tK3aGyQRvffhMwGCvE=
                -----END ENCRYPTED PRIVATE KEY-----
                """);
        Path otherKey = TestPki.writePkcs8Key(dir.resolve("other.key"), TestPki.ec());

        assertThat(assertThrows(IllegalArgumentException.class, () -> ApiTls.load(cert, missing, clientCa)))
                .hasMessage("--tls-private-key-file " + missing + " does not exist");
        assertThat(assertThrows(IllegalArgumentException.class, () -> ApiTls.load(garbage, key, clientCa)))
                .hasMessageStartingWith("--tls-cert-file " + garbage);
        assertThat(assertThrows(IllegalArgumentException.class, () -> ApiTls.load(cert, garbage, clientCa)))
                .hasMessageStartingWith("--tls-private-key-file " + garbage + " holds no PEM private key");
        assertThat(assertThrows(IllegalArgumentException.class, () -> ApiTls.load(cert, key, garbage)))
                .hasMessageStartingWith("--client-ca-file " + garbage);
        assertThat(assertThrows(IllegalArgumentException.class, () -> ApiTls.load(cert, encrypted, clientCa)))
                .hasMessageStartingWith("--tls-private-key-file " + encrypted + " is encrypted");
        assertThat(assertThrows(IllegalArgumentException.class, () -> ApiTls.load(cert, otherKey, clientCa)))
                .hasMessageStartingWith("--tls-private-key-file " + otherKey + " is not the key of the certificate in "
                        + "--tls-cert-file " + cert);
    }

    // ---------------------------------------------------------------- serving

    String start(Path caFile) throws Exception {
        server = new ApiServer(new InetSocketAddress("127.0.0.1", 0), ApiTls.load(cert, key, caFile),
                new InMemoryPodService(), out -> out.write("m 1\n".getBytes()), Clock.systemUTC(), "test");
        server.start();
        assertThat(server.scheme()).isEqualTo("https");
        return "https://127.0.0.1:" + server.address().getPort();
    }

    static HttpResponse<String> get(SSLContext ctx, String url) throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(10)).build();
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static void assertUnauthorized(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
        JsonNode s = JSON.readTree(r.body());
        assertThat(s.get("kind").asText()).isEqualTo("Status");
        assertThat(s.get("apiVersion").asText()).isEqualTo("v1");
        assertThat(s.get("status").asText()).isEqualTo("Failure");
        assertThat(s.get("reason").asText()).isEqualTo("Unauthorized");
        assertThat(s.get("message").asText()).isEqualTo("Unauthorized");
        assertThat(s.get("code").asInt()).isEqualTo(401);
    }

    @Test
    void aClientCertificateTheCaSignedIsLetIn() throws Exception {
        String base = start(clientCa);

        HttpResponse<String> r = get(TestPki.clientContext(CA, ALICE), base + "/api/v1/namespaces/default/pods");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).get("kind").asText()).isEqualTo("PodList");
    }

    @Test
    void noClientCertificateGets401StatusOnEveryPathHealthIncluded() throws Exception {
        String base = start(clientCa);
        SSLContext anonymous = TestPki.clientContext(CA, null);

        for (String path : new String[] {"/api/v1/namespaces/default/pods", "/version", "/healthz", "/metrics"}) {
            assertUnauthorized(get(anonymous, base + path));
        }
    }

    @Test
    void aClientCertificateAnotherCaSignedGets401() throws Exception {
        String base = start(clientCa);

        assertUnauthorized(get(TestPki.alwaysShowing(CA, MALLORY), base + "/api/v1/namespaces/default/pods"));
        // a JDK client that is asked for the right CA's certificates shows none, and gets the same answer
        assertUnauthorized(get(TestPki.clientContext(CA, MALLORY), base + "/api/v1/namespaces/default/pods"));
    }

    @Test
    void aServingCertificateTheClientDoesNotTrustFailsTheHandshake() throws Exception {
        String base = start(clientCa);

        assertThrows(SSLHandshakeException.class, () -> get(TestPki.clientContext(OTHER_CA, ALICE), base + "/healthz"));
    }

    @Test
    void withoutAClientCaTlsServesEveryone() throws Exception {
        String base = start(null);

        HttpResponse<String> r = get(TestPki.clientContext(CA, null), base + "/healthz");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok");
    }
}
