package dev.resizelet.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ApiServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},
             "spec":{"containers":[{"name":"c","image":"i","resources":{"requests":{"cpu":"100m"}}}]}}""";

    private InMemoryPodService pods;
    private ApiServer server;
    private HttpClient http;
    private String base;

    @BeforeEach
    void start() throws Exception {
        pods = new InMemoryPodService();
        server = new ApiServer(new InetSocketAddress("127.0.0.1", 0), pods, out -> out.write("m 1\n".getBytes(StandardCharsets.UTF_8)),
                Clock.fixed(Instant.parse("2026-01-01T00:05:00Z"), ZoneOffset.UTC), "test");
        server.start();
        base = "http://127.0.0.1:" + server.address().getPort();
        http = HttpClient.newHttpClient();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> send(String method, String path, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> create(String body) throws Exception {
        return send("POST", "/api/v1/namespaces/default/pods?fieldValidation=Strict", "application/json", body);
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    private static void assertStatus(HttpResponse<String> r, int code, String reason, String messagePart) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(code);
        JsonNode s = json(r);
        assertThat(s.get("kind").asText()).isEqualTo("Status");
        assertThat(s.get("code").asInt()).isEqualTo(code);
        assertThat(s.get("reason").asText()).isEqualTo(reason);
        assertThat(s.get("message").asText()).contains(messagePart);
    }

    @Test
    void discoveryReportsKubernetes133AndPodsWithTheResizeSubresource() throws Exception {
        assertThat(json(send("GET", "/version", null, null)).get("minor").asText()).isEqualTo("33");
        JsonNode resources = json(send("GET", "/api/v1", null, null)).get("resources");
        assertThat(resources.findValuesAsText("name")).contains("pods", "pods/resize", "pods/status");
        assertThat(json(send("GET", "/apis", null, null)).get("groups").size()).isZero();
        assertThat(json(send("GET", "/openapi/v3", null, null)).at("/paths/api~1v1/serverRelativeURL").asText()).startsWith("/openapi/v3/api/v1");
    }

    @Test
    void createGetListAndTable() throws Exception {
        HttpResponse<String> created = create(POD);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

        JsonNode got = json(send("GET", "/api/v1/namespaces/default/pods/x", null, null));
        assertThat(got.at("/metadata/namespace").asText()).isEqualTo("default");
        JsonNode list = json(send("GET", "/api/v1/pods", null, null));
        assertThat(list.get("kind").asText()).isEqualTo("PodList");
        assertThat(list.at("/items/0/metadata/name").asText()).isEqualTo("x");

        HttpRequest tableRequest = HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/default/pods"))
                .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json")
                .build();
        JsonNode table = JSON.readTree(http.send(tableRequest, HttpResponse.BodyHandlers.ofString()).body());
        assertThat(table.get("kind").asText()).isEqualTo("Table");
        assertThat(table.at("/rows/0/cells").toString()).isEqualTo("[\"x\",\"0/1\",\"Running\",\"0\",\"5m\",\"<none>\"]");
        assertThat(table.at("/rows/0/object/kind").asText()).isEqualTo("PartialObjectMetadata");
    }

    @Test
    void resizeSubresourceStrategicMergePatch() throws Exception {
        create(POD);

        HttpResponse<String> r = send("PATCH", "/api/v1/namespaces/default/pods/x/resize", "application/strategic-merge-patch+json",
                "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"800m\"}}}]}}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).at("/spec/containers/0/resources/requests/cpu").asText()).isEqualTo("800m");
        assertThat(json(r).at("/spec/containers/0/image").asText()).isEqualTo("i");
    }

    @Test
    void jsonPatchAndMergePatch() throws Exception {
        create(POD);

        HttpResponse<String> jp = send("PATCH", "/api/v1/namespaces/default/pods/x", "application/json-patch+json",
                "[{\"op\":\"replace\",\"path\":\"/spec/containers/0/resources/requests/cpu\",\"value\":\"300m\"}]");
        HttpResponse<String> mp = send("PATCH", "/api/v1/namespaces/default/pods/x", "application/merge-patch+json",
                "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}");
        HttpResponse<String> badOp = send("PATCH", "/api/v1/namespaces/default/pods/x", "application/json-patch+json",
                "[{\"op\":\"test\",\"path\":\"/spec/containers/0/name\",\"value\":\"nope\"}]");

        assertThat(json(jp).at("/spec/containers/0/resources/requests/cpu").asText()).isEqualTo("300m");
        assertThat(mp.statusCode()).isEqualTo(200);
        assertStatus(badOp, 422, "Invalid", "could not be applied");
    }

    @Test
    void dryRunChangesNothing() throws Exception {
        create(POD);
        int writes = pods.writes;

        HttpResponse<String> r = send("PATCH", "/api/v1/namespaces/default/pods/x/resize?dryRun=All",
                "application/strategic-merge-patch+json", "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"900m\"}}}]}}");

        assertThat(json(r).at("/spec/containers/0/resources/requests/cpu").asText()).isEqualTo("900m");
        assertThat(pods.writes).isEqualTo(writes);
        assertThat(pods.get("default", "x").orElseThrow().at("/spec/containers/0/resources/requests/cpu").asText()).isEqualTo("100m");
    }

    @Test
    void errorsAreStatusObjectsAndChangeNothing() throws Exception {
        create(POD);
        int writes = pods.writes;

        assertStatus(create("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":"), 400, "BadRequest", "not valid JSON");
        assertStatus(create("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"y\"},\"spec\":{\"foo\":1}}"),
                400, "BadRequest", "strict decoding error: unknown field \"spec.foo\"");
        assertStatus(create(POD), 409, "AlreadyExists", "pods \"x\" already exists");
        assertStatus(send("GET", "/api/v1/namespaces/default/pods/nope", null, null), 404, "NotFound", "pods \"nope\" not found");
        assertStatus(send("PUT", "/api/v1/namespaces/default/pods/x", "application/json",
                POD.replace("\"name\":\"x\"}", "\"name\":\"x\",\"resourceVersion\":\"999\"}")), 409, "Conflict", "the object has been modified");
        assertStatus(send("POST", "/api/v1/namespaces/default/pods", "application/json", "{\"kind\":\"Pod\",\"metadata\":{\"name\":\""
                + "a".repeat(3 * 1024 * 1024) + "\"}}"), 413, "RequestEntityTooLarge", "limit is 3145728");
        assertStatus(send("POST", "/api/v1/namespaces/default/pods", "application/vnd.kubernetes.protobuf", "k8s\0"),
                415, "UnsupportedMediaType", "application/vnd.kubernetes.protobuf");
        assertStatus(send("PATCH", "/api/v1/namespaces/default/pods/x", "application/apply-patch+yaml", "a: b"),
                415, "UnsupportedMediaType", "server-side apply");
        assertStatus(send("PATCH", "/api/v1/namespaces/default/pods/x", "text/plain", "{}"), 415, "UnsupportedMediaType", "text/plain");
        assertStatus(send("PUT", "/api/v1/namespaces/default/pods/x/status", "application/json", POD), 405, "MethodNotAllowed", "status");

        assertThat(pods.writes).isEqualTo(writes);
    }

    @Test
    void unsafeNamesAreRefusedAndChangeNothing() throws Exception {
        HttpResponse<String> dotdot = create(POD.replace("\"name\":\"x\"", "\"name\":\"../x\""));
        HttpResponse<String> longName = create(POD.replace("\"name\":\"x\"", "\"name\":\"" + "a".repeat(254) + "\""));
        HttpResponse<String> uid = create(POD.replace("\"name\":\"x\"", "\"name\":\"x\",\"uid\":\"a/b\""));
        HttpResponse<String> pathName = send("GET", "/api/v1/namespaces/default/pods/..%2Fx", null, null);
        HttpResponse<String> pathNs = send("GET", "/api/v1/namespaces/..%2F..%2Fetc/pods/x", null, null);

        assertStatus(dotdot, 422, "Invalid", "metadata.name: Invalid value: \"../x\"");
        assertThat(json(dotdot).at("/details/causes/0/field").asText()).isEqualTo("metadata.name");
        assertStatus(longName, 422, "Invalid", "must be no more than 253 characters");
        assertStatus(uid, 422, "Invalid", "metadata.uid");
        assertStatus(pathName, 400, "BadRequest", "invalid pod name \"../x\"");
        assertStatus(pathNs, 400, "BadRequest", "invalid namespace");
        assertThat(pods.writes).isZero();
    }

    @Test
    void watchStreamsEventsAfterTheResourceVersion() throws Exception {
        create(POD);
        long rv = Long.parseLong(json(send("GET", "/api/v1/namespaces/default/pods", null, null)).at("/metadata/resourceVersion").asText());
        List<JsonNode> events = new CopyOnWriteArrayList<>();
        HttpRequest watch = HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/default/pods?watch=true&resourceVersion=" + rv)).build();
        HttpResponse<java.io.InputStream> stream = http.send(watch, HttpResponse.BodyHandlers.ofInputStream());
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.isBlank()) events.add(JSON.readTree(line));
                }
            } catch (Exception ignored) {
                // stream closed
            }
        });
        reader.setDaemon(true);
        reader.start();

        send("PATCH", "/api/v1/namespaces/default/pods/x", "application/merge-patch+json", "{\"spec\":{\"priority\":5}}");
        send("DELETE", "/api/v1/namespaces/default/pods/x", null, null);

        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 2);
        assertThat(events.get(0).get("type").asText()).isEqualTo("MODIFIED");
        assertThat(events.get(0).at("/object/spec/priority").asInt()).isEqualTo(5);
        assertThat(events.get(1).get("type").asText()).isEqualTo("DELETED");
    }

    @Test
    void watchFromATooOldVersionSendsAnExpiredError() throws Exception {
        create(POD);
        create(POD.replace("\"name\":\"x\"", "\"name\":\"y\""));

        HttpResponse<String> r = send("GET", "/api/v1/namespaces/default/pods?watch=1&resourceVersion=1&timeoutSeconds=1", null, null);

        JsonNode event = JSON.readTree(r.body().lines().filter(l -> !l.isBlank()).findFirst().orElseThrow());
        assertThat(event.get("type").asText()).isEqualTo("ERROR");
        assertThat(event.at("/object/code").asInt()).isEqualTo(410);
    }

    @Test
    void healthReadyAndMetrics() throws Exception {
        assertThat(send("GET", "/healthz", null, null).body()).isEqualTo("ok");
        assertThat(send("GET", "/readyz", null, null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/metrics", null, null).body()).isEqualTo("m 1\n");
        assertStatus(send("GET", "/api/v1/nodes", null, null), 404, "NotFound", "could not find the requested resource");
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode event(String ns, String pod, String uid, String reason) {
        com.fasterxml.jackson.databind.node.ObjectNode e = JSON.createObjectNode();
        e.put("apiVersion", "v1").put("kind", "Event");
        e.putObject("metadata").put("name", pod + "." + reason).put("namespace", ns).put("resourceVersion", "1");
        e.putObject("involvedObject").put("kind", "Pod").put("name", pod).put("namespace", ns).put("uid", uid);
        e.put("reason", reason).put("message", "m").put("type", "Normal").put("lastTimestamp", "2026-01-01T00:04:00Z")
                .put("firstTimestamp", "2026-01-01T00:04:00Z").put("count", 1);
        e.putObject("source").put("component", "resizelet").put("host", "h");
        return e;
    }

    @Test
    void eventsAreListedByNamespaceAndByKubectlDescribesFieldSelector() throws Exception {
        pods.events.add(event("default", "web", "u1", "ResizeStarted"));
        pods.events.add(event("default", "db", "u2", "ResizeDeferred"));
        pods.events.add(event("other", "web", "u3", "ResizeCompleted"));

        JsonNode all = json(send("GET", "/api/v1/events", null, null));
        JsonNode inDefault = json(send("GET", "/api/v1/namespaces/default/events", null, null));
        JsonNode described = json(send("GET", "/api/v1/namespaces/default/events?fieldSelector="
                + "involvedObject.name%3Dweb,involvedObject.namespace%3Ddefault,involvedObject.uid%3Du1&limit=500", null, null));
        HttpResponse<String> badField = send("GET", "/api/v1/namespaces/default/events?fieldSelector=spec.x%3Dy", null, null);
        HttpResponse<String> one = send("GET", "/api/v1/namespaces/default/events/db.ResizeDeferred", null, null);
        HttpResponse<String> missing = send("GET", "/api/v1/namespaces/default/events/nope", null, null);
        HttpResponse<String> write = send("POST", "/api/v1/namespaces/default/events", "application/json", "{}");

        assertThat(all.get("kind").asText()).isEqualTo("EventList");
        assertThat(all.get("items")).hasSize(3);
        assertThat(inDefault.get("items")).extracting(e -> e.get("reason").asText()).containsExactly("ResizeStarted", "ResizeDeferred");
        assertThat(described.get("items")).extracting(e -> e.get("reason").asText()).containsExactly("ResizeStarted");
        assertStatus(badField, 400, "BadRequest", "\"spec.x\" is not a known field selector");
        assertThat(json(one).get("reason").asText()).isEqualTo("ResizeDeferred");
        assertStatus(missing, 404, "NotFound", "events \"nope\" not found");
        assertThat(write.statusCode()).isEqualTo(405);
    }

    @Test
    void eventsPrintAsATableWithTheApiserversColumns() throws Exception {
        pods.events.add(event("default", "web", "u1", "ResizeInfeasible"));

        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/default/events"))
                .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json").build(),
                HttpResponse.BodyHandlers.ofString());

        JsonNode table = json(r);
        assertThat(table.get("kind").asText()).isEqualTo("Table");
        assertThat(table.get("columnDefinitions")).extracting(c -> c.get("name").asText())
                .startsWith("Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message");
        assertThat(table.at("/rows/0/cells")).extracting(JsonNode::asText)
                .startsWith("60s", "Normal", "ResizeInfeasible", "pod/web", "", "resizelet, h", "m");
    }
}
