package dev.resizelet.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.resizelet.agent.authz.AbacAuthorizer;
import dev.resizelet.agent.authz.UserInfo;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API behind ABAC: users from client certificates (CN, O), a read-only user and a group allowed everything; a
 * refused request gets the apiserver's 403 Status and changes nothing.
 */
class ApiAuthorizationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TestPki.Issued CA = TestPki.ca("resizelet-test-ca");
    private static final TestPki.Issued SERVER = TestPki.server(CA, TestPki.ec());
    private static final TestPki.Issued ALICE = TestPki.client(CA, "alice", "viewers");
    private static final TestPki.Issued BOB = TestPki.client(CA, "bob", "operators");
    private static final TestPki.Issued ROOT = TestPki.client(CA, "root", "system:masters");
    private static final String POLICY = """
            # alice reads pods and events everywhere; operators do everything; everyone authenticated reads health
            {"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"user": "alice", "namespace": "*", "resource": "*", "apiGroup": "*", "readonly": true}}
            {"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"group": "operators", "namespace": "*", "resource": "*", "apiGroup": "*"}}
            {"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"group": "operators", "nonResourcePath": "*"}}
            {"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"user": "*", "nonResourcePath": "/healthz", "readonly": true}}
            """;
    private static final String POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"},
             "spec":{"containers":[{"name":"c","image":"i","resources":{"requests":{"cpu":"100m"},"limits":{"cpu":"100m"}}}]}}""";
    private static final String RESIZE = """
            {"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":"200m"},"limits":{"cpu":"200m"}}}]}}""";

    @TempDir
    Path dir;
    ApiServer server;
    InMemoryPodService pods = new InMemoryPodService();

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private String startTls() throws Exception {
        Path cert = TestPki.writeCert(dir.resolve("server.crt"), SERVER.cert());
        Path key = TestPki.writePkcs8Key(dir.resolve("server.key"), SERVER.keys());
        Path ca = TestPki.writeCert(dir.resolve("ca.crt"), CA.cert());
        server = new ApiServer(new InetSocketAddress("127.0.0.1", 0), ApiTls.load(cert, key, ca), abac(),
                pods, out -> out.write("m 1\n".getBytes()), Clock.systemUTC(), "test");
        server.start();
        return "https://127.0.0.1:" + server.address().getPort();
    }

    private AbacAuthorizer abac() throws Exception {
        return AbacAuthorizer.load(Files.writeString(dir.resolve("policy.jsonl"), POLICY));
    }

    private static HttpResponse<String> send(TestPki.Issued user, String method, String url, String contentType, String body)
            throws Exception {
        SSLContext ctx = TestPki.clientContext(CA, user);
        HttpClient http = HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertForbidden(HttpResponse<String> r, String message, String kind, String name) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        JsonNode s = JSON.readTree(r.body());
        assertThat(s.get("kind").asText()).isEqualTo("Status");
        assertThat(s.get("status").asText()).isEqualTo("Failure");
        assertThat(s.get("reason").asText()).isEqualTo("Forbidden");
        assertThat(s.get("code").asInt()).isEqualTo(403);
        assertThat(s.get("message").asText()).isEqualTo(message);
        assertThat(s.path("details").path("kind").asText(null)).isEqualTo(kind);
        assertThat(s.path("details").path("name").asText(null)).isEqualTo(name);
    }

    @Test
    void aReadOnlyUserReadsButItsResizeIsForbiddenAndChangesNothing() throws Exception {
        String base = startTls();
        String pod = base + "/api/v1/namespaces/default/pods/web";
        assertThat(send(BOB, "POST", base + "/api/v1/namespaces/default/pods", "application/json", POD).statusCode()).isEqualTo(201);
        String before = send(ALICE, "GET", pod, null, null).body();

        assertThat(send(ALICE, "GET", base + "/api/v1/namespaces/default/pods", null, null).statusCode()).isEqualTo(200);
        assertThat(send(ALICE, "GET", base + "/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=1", null, null)
                .statusCode()).isEqualTo(200);
        HttpResponse<String> resize = send(ALICE, "PATCH", pod + "/resize", "application/strategic-merge-patch+json", RESIZE);

        assertForbidden(resize, "pods \"web\" is forbidden: User \"alice\" cannot patch resource \"pods/resize\" in API group \"\" "
                + "in the namespace \"default\": No policy matched.", "pods", "web");
        assertThat(send(ALICE, "GET", pod, null, null).body()).isEqualTo(before);
        assertForbidden(send(ALICE, "POST", base + "/api/v1/namespaces/default/pods", "application/json", POD),
                "pods is forbidden: User \"alice\" cannot create resource \"pods\" in API group \"\" in the namespace "
                        + "\"default\": No policy matched.", "pods", null);
        assertForbidden(send(ALICE, "DELETE", pod, null, null), "pods \"web\" is forbidden: User \"alice\" cannot delete "
                + "resource \"pods\" in API group \"\" in the namespace \"default\": No policy matched.", "pods", "web");
        assertThat(send(ALICE, "GET", pod, null, null).body()).isEqualTo(before);
    }

    @Test
    void aGroupAllowedEverythingResizesAndDeletes() throws Exception {
        String base = startTls();
        String pod = base + "/api/v1/namespaces/default/pods/web";
        send(BOB, "POST", base + "/api/v1/namespaces/default/pods", "application/json", POD);

        HttpResponse<String> r = send(BOB, "PATCH", pod + "/resize", "application/strategic-merge-patch+json", RESIZE);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).at("/spec/containers/0/resources/limits/cpu").asText()).isEqualTo("200m");
        assertThat(send(BOB, "GET", base + "/metrics", null, null).statusCode()).isEqualTo(200);
        assertThat(send(BOB, "DELETE", pod, null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void pathsAreAuthorizedByNonResourcePath() throws Exception {
        String base = startTls();

        assertThat(send(ALICE, "GET", base + "/healthz", null, null).statusCode()).isEqualTo(200);
        assertForbidden(send(ALICE, "GET", base + "/metrics", null, null),
                "forbidden: User \"alice\" cannot get path \"/metrics\": No policy matched.", null, null);
        // authorization comes before routing, as in the apiserver: an unknown path is forbidden, not "not found"
        assertForbidden(send(ALICE, "GET", base + "/nothing/here", null, null),
                "forbidden: User \"alice\" cannot get path \"/nothing/here\": No policy matched.", null, null);
    }

    @Test
    void systemMastersNeedsNoPolicy() throws Exception {
        String base = startTls();

        HttpResponse<String> r = send(ROOT, "POST", base + "/api/v1/namespaces/default/pods", "application/json", POD);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(send(ROOT, "GET", base + "/metrics", null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void onPlainHttpEveryRequestIsAnonymous() throws Exception {
        server = new ApiServer(new InetSocketAddress("127.0.0.1", 0), null, abac(), pods, out -> { }, Clock.systemUTC(), "test");
        server.start();
        HttpClient http = HttpClient.newHttpClient();

        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort()
                + "/api/v1/namespaces/default/pods")).build(), HttpResponse.BodyHandlers.ofString());

        assertForbidden(r, "pods is forbidden: User \"system:anonymous\" cannot list resource \"pods\" in API group \"\" in "
                + "the namespace \"default\": No policy matched.", "pods", null);
    }

    @Test
    void aCertificateGivesItsCommonNameAsTheUserAndItsOrganizationsAsGroups() {
        UserInfo u = ApiTls.user(new X500Principal("CN=alice, O=team\\, one, OU=ignored, O=viewers"));

        assertThat(u.name()).isEqualTo("alice");
        assertThat(u.groups()).containsExactly("viewers", "team, one", UserInfo.ALL_AUTHENTICATED);
        assertThat(ApiTls.user(new X500Principal("O=only")).name()).isEmpty();
        assertThat(ApiTls.user(new X500Principal("O=only")).groups()).isEqualTo(List.of("only", UserInfo.ALL_AUTHENTICATED));
    }
}
