package dev.resizelet.agent.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.resizelet.agent.authz.Attributes;
import dev.resizelet.agent.authz.Authorizer;
import dev.resizelet.agent.authz.UserInfo;
import dev.resizelet.core.store.NamespaceStore;
import io.fabric8.zjsonpatch.JsonPatch;
import io.fabric8.zjsonpatch.JsonPatchException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kubernetes-shaped HTTP API on the JDK's {@link HttpServer}: discovery, OpenAPI v2 and v3, namespaces, pods (create, get, list,
 * watch, update, patch, delete, the {@code resize} and {@code status} subresources), events (list, get), health and
 * metrics.
 * Every error is a {@code kind: Status}; a rejected request changes nothing. With {@link ApiTls} it serves HTTPS and,
 * given a client CA, answers every request without a client certificate the CA signed with 401 {@code Unauthorized}.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);

    /** The apiserver's request body limit (3 MiB). */
    public static final long MAX_BODY_BYTES = 3L * 1024 * 1024;
    static final Duration WATCH_KEEPALIVE = Duration.ofSeconds(10);
    static final Duration DEFAULT_WATCH_TIMEOUT = Duration.ofMinutes(30);
    private static final int PATCH_RETRIES = 5;

    private static final List<String> BODY_TYPES = List.of("application/json", "application/yaml");
    private static final int WATCH_BUFFER = 10_000;
    private static final List<String> PATCH_TYPES = List.of("application/json-patch+json", "application/merge-patch+json",
            "application/strategic-merge-patch+json");

    /** Writes the Prometheus text exposition. */
    @FunctionalInterface
    public interface MetricsWriter {
        void write(OutputStream out) throws IOException;

        /** The Content-Type of the answer to a scrape with this Accept header (may be null). */
        default String contentType(String accept) {
            return "text/plain; version=0.0.4; charset=utf-8";
        }

        /** Writes in the format {@link #contentType} named. */
        default void write(String accept, OutputStream out) throws IOException {
            write(out);
        }
    }

    private final HttpServer server;
    private final ApiTls tls; // null: plain HTTP
    private final Authorizer authorizer;
    private final ThreadPoolExecutor executor;
    private final PodService pods;
    private final MetricsWriter metrics;
    private final Clock clock;
    private final ObjectMapper json;
    private final ObjectMapper yaml = new YAMLMapper();
    private final Discovery discovery;
    private final OpenApi openApi;
    private final OpenApiV2 openApiV2;
    private final Namespaces namespaces;
    private final PodTable tables;
    private final EventTable eventTables;
    private final Set<BlockingQueue<Object>> watches = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    public ApiServer(InetSocketAddress bind, PodService pods, MetricsWriter metrics, Clock clock, String agentVersion)
            throws IOException {
        this(bind, null, pods, metrics, clock, agentVersion);
    }

    /** {@code tls} null serves plain HTTP (see {@link ApiTls#checkFlags} for where that is allowed); everyone may do everything. */
    public ApiServer(InetSocketAddress bind, ApiTls tls, PodService pods, MetricsWriter metrics, Clock clock,
            String agentVersion) throws IOException {
        this(bind, tls, Authorizer.ALWAYS_ALLOW, pods, NamespaceStore.inMemory(), metrics, clock, agentVersion);
    }

    /** As above with the namespaces kept in {@code namespaceStore} (the state dir's). */
    public ApiServer(InetSocketAddress bind, ApiTls tls, PodService pods, NamespaceStore namespaceStore,
            MetricsWriter metrics, Clock clock, String agentVersion) throws IOException {
        this(bind, tls, Authorizer.ALWAYS_ALLOW, pods, namespaceStore, metrics, clock, agentVersion);
    }

    /** As above with {@code authorizer} and the namespaces in memory. */
    public ApiServer(InetSocketAddress bind, ApiTls tls, Authorizer authorizer, PodService pods, MetricsWriter metrics,
            Clock clock, String agentVersion) throws IOException {
        this(bind, tls, authorizer, pods, NamespaceStore.inMemory(), metrics, clock, agentVersion);
    }

    /**
     * @param authorizer decides each authenticated request before anything else looks at it (a refused one gets 403
     *                   and changes nothing)
     * @param namespaceStore where namespaces are kept (the state dir's, or in memory)
     */
    public ApiServer(InetSocketAddress bind, ApiTls tls, Authorizer authorizer, PodService pods,
            NamespaceStore namespaceStore, MetricsWriter metrics,
            Clock clock, String agentVersion) throws IOException {
        this.tls = tls;
        this.authorizer = requireNonNull(authorizer, "authorizer");
        this.pods = pods;
        this.metrics = metrics;
        this.clock = clock;
        this.json = new ObjectMapper();
        this.discovery = new Discovery(json, agentVersion);
        this.openApi = new OpenApi(json, Discovery.KUBERNETES_VERSION);
        this.openApiV2 = new OpenApiV2(json, Discovery.KUBERNETES_VERSION);
        this.namespaces = new Namespaces(json, clock, namespaceStore, pods);
        this.tables = new PodTable(json, clock);
        this.eventTables = new EventTable(json, clock);
        if (tls == null) {
            this.server = HttpServer.create(bind, 64);
        } else {
            HttpsServer https = HttpsServer.create(bind, 64);
            https.setHttpsConfigurator(new HttpsConfigurator(tls.context()) {
                @Override
                public void configure(HttpsParameters params) {
                    SSLParameters p = tls.context().getDefaultSSLParameters();
                    // "want", not "need": a client without a certificate gets a 401 Status, not a handshake alert
                    p.setWantClientAuth(tls.requiresClientCertificates());
                    params.setSSLParameters(p);
                }
            });
            this.server = https;
        }
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(2, 256, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    public void start() {
        server.start();
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** {@code https} with TLS, else {@code http}. */
    public String scheme() {
        return tls == null ? "http" : "https";
    }

    /** Ends watches, then stops accepting and waits up to a second for requests in flight. */
    @Override
    public void close() {
        closing = true;
        watches.forEach(q -> q.offer(CLOSE));
        server.stop(1);
        executor.shutdown();
    }

    private static final Object CLOSE = new Object();

    // ---------------------------------------------------------------- routing

    private record Request(HttpExchange exchange, String method, String path, List<String> segments,
                           Map<String, String> query) {
        String param(String name) {
            return query.get(name);
        }
    }

    private void handle(HttpExchange exchange) {
        try {
            UserInfo user = authenticate(exchange);
            Request request = parse(exchange);
            authorize(user, request);
            route(request);
        } catch (ApiException e) {
            sendStatus(exchange, e);
        } catch (RuntimeException e) {
            log.error("request failed method={} path={}", exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), e);
            sendStatus(exchange, ApiException.internal(e.getClass().getSimpleName() + ": " + e.getMessage()));
        } catch (IOException e) {
            log.debug("client went away method={} path={} error={}", exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(), e.toString());
        } finally {
            exchange.close();
        }
    }

    /**
     * With a client CA, every request needs a client certificate it signed; health checks included, as on the kubelet's
     * port. Without one (plain HTTP on loopback, or TLS without a client CA) every request is anonymous.
     */
    private UserInfo authenticate(HttpExchange exchange) {
        if (tls == null || !tls.requiresClientCertificates()) {
            return UserInfo.ANONYMOUS_USER;
        }
        Optional<UserInfo> user = tls.authenticate(((HttpsExchange) exchange).getSSLSession());
        if (user.isEmpty()) {
            log.debug("unauthenticated request refused method={} path={} remote={}", exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(), exchange.getRemoteAddress());
            throw ApiException.unauthorized();
        }
        return user.get();
    }

    /**
     * The apiserver's authorization filter: the request's attributes (verb, resource, subresource, namespace, name; or
     * the path) go to the authorizer before the request is read any further; a refusal is a 403 in its words.
     */
    private void authorize(UserInfo user, Request r) {
        Attributes attributes = Attributes.of(user, r.method(), r.exchange().getRequestURI().getPath(), r.query());
        Authorizer.Decision decision = authorizer.authorize(attributes);
        if (decision.allowed()) {
            return;
        }
        log.debug("forbidden user={} verb={} resource={} subresource={} namespace={} name={} path={} reason=\"{}\"",
                user.name(), attributes.verb(), attributes.resource(), attributes.subresource(), attributes.namespace(),
                attributes.name(), attributes.path(), decision.reason());
        String why = attributes.forbiddenMessage() + (decision.reason().isEmpty() ? "" : ": " + decision.reason());
        String resource = !attributes.resourceRequest() ? ""
                : attributes.apiGroup().isEmpty() ? attributes.resource() : attributes.resource() + "." + attributes.apiGroup();
        throw ApiException.forbidden(resource, attributes.name(), why);
    }

    private Request parse(HttpExchange exchange) {
        String rawPath = exchange.getRequestURI().getRawPath();
        List<String> segments = new ArrayList<>();
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                segments.add(decode(s));
            }
        }
        Map<String, String> query = new HashMap<>();
        String rawQuery = exchange.getRequestURI().getRawQuery();
        if (rawQuery != null) {
            for (String pair : rawQuery.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String k = decodeQuery(eq < 0 ? pair : pair.substring(0, eq));
                String v = eq < 0 ? "" : decodeQuery(pair.substring(eq + 1));
                query.putIfAbsent(k, v);
            }
        }
        return new Request(exchange, exchange.getRequestMethod().toUpperCase(Locale.ROOT), rawPath, segments, query);
    }

    /** A query component as Go's {@code url.QueryEscape} writes it: {@code +} is a space ({@code -l 'app in (a)'}). */
    private static String decodeQuery(String s) {
        return decode(s.replace("+", " "));
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("malformed URL escape in \"" + NameRules.abbreviate(s) + "\"");
        }
    }

    private void route(Request r) throws IOException {
        String contentType = r.exchange().getRequestHeaders().getFirst("Content-Type");
        boolean namespaceCreate = r.method().equals("POST") && String.join("/", r.segments()).equals("api/v1/namespaces");
        if (mediaType(contentType).equals(Namespaces.PROTOBUF) && !namespaceCreate) {
            // generated kubectl commands (create namespace, ...) send protobuf; say so before anything else
            throw ApiException.unsupportedMediaType(contentType, List.of("application/json", "application/yaml",
                    "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"));
        }
        List<String> s = r.segments();
        String joined = String.join("/", s);
        switch (joined) {
            case "healthz", "livez" -> {
                requireGet(r);
                sendText(r.exchange(), 200, "ok");
                return;
            }
            case "readyz" -> {
                requireGet(r);
                boolean ready = pods.ready();
                sendText(r.exchange(), ready ? 200 : 503, ready ? "ok" : "not ready: runtime or checkpoint restore pending");
                return;
            }
            case "metrics" -> {
                requireGet(r);
                String accept = r.exchange().getRequestHeaders().getFirst("Accept");
                r.exchange().getResponseHeaders().set("Content-Type", metrics.contentType(accept));
                r.exchange().sendResponseHeaders(200, 0);
                try (OutputStream out = r.exchange().getResponseBody()) {
                    metrics.write(accept, out);
                }
                return;
            }
            case "version" -> {
                requireGet(r);
                send(r.exchange(), 200, discovery.version());
                return;
            }
            case "api" -> {
                requireGet(r);
                InetSocketAddress a = address();
                send(r.exchange(), 200, discovery.apiVersions(a.getAddress().getHostAddress() + ":" + a.getPort()));
                return;
            }
            case "api/v1" -> {
                requireGet(r);
                send(r.exchange(), 200, discovery.apiV1Resources());
                return;
            }
            case "apis" -> {
                requireGet(r);
                send(r.exchange(), 200, discovery.apiGroups());
                return;
            }
            case "openapi/v3" -> {
                requireGet(r);
                send(r.exchange(), 200, openApi.root());
                return;
            }
            case "openapi/v2" -> {
                requireGet(r);
                if (OpenApiV2.wantsProtobuf(accept(r))) {
                    // Go's mime parser refuses the '@' of the requested type: the apiserver answers octet-stream
                    sendBytes(r.exchange(), "application/octet-stream", openApiV2.protobuf());
                } else {
                    send(r.exchange(), 200, openApiV2.json());
                }
                return;
            }
            case "openapi/v3/api/v1" -> {
                requireGet(r);
                send(r.exchange(), 200, openApi.apiV1());
                return;
            }
            default -> { }
        }
        if ((s.size() == 3 || s.size() == 4) && s.get(0).equals("api") && s.get(1).equals("v1") && s.get(2).equals("namespaces")) {
            namespaces(r, s.size() == 4 ? s.get(3) : null);
            return;
        }
        if (s.size() == 3 && s.get(0).equals("api") && s.get(1).equals("v1") && s.get(2).equals("pods")) {
            requireGet(r);
            listOrWatch(r, null);
            return;
        }
        if (s.size() >= 5 && s.get(0).equals("api") && s.get(1).equals("v1") && s.get(2).equals("namespaces")
                && s.get(4).equals("pods") && s.size() <= 7) {
            String namespace = s.get(3);
            String name = s.size() >= 6 ? s.get(5) : null;
            String sub = s.size() == 7 ? s.get(6) : null;
            NameRules.checkPath(namespace, name);
            if (name == null) {
                switch (r.method()) {
                    case "GET" -> listOrWatch(r, namespace);
                    case "POST" -> create(r, namespace);
                    default -> throw ApiException.methodNotAllowed(r.method(), r.path());
                }
                return;
            }
            if (sub == null) {
                switch (r.method()) {
                    case "GET" -> get(r, namespace, name);
                    case "PUT" -> replace(r, namespace, name, false);
                    case "PATCH" -> patch(r, namespace, name, false);
                    case "DELETE" -> delete(r, namespace, name);
                    default -> throw ApiException.methodNotAllowed(r.method(), r.path());
                }
                return;
            }
            if (sub.equals("resize")) {
                switch (r.method()) {
                    case "GET" -> get(r, namespace, name);
                    case "PUT" -> replace(r, namespace, name, true);
                    case "PATCH" -> patch(r, namespace, name, true);
                    default -> throw ApiException.methodNotAllowed(r.method(), r.path());
                }
                return;
            }
            if (sub.equals("status")) {
                if (!r.method().equals("GET")) {
                    throw new ApiException(405, "MethodNotAllowed", "pod status is reported by the agent and cannot be written ("
                            + r.method() + " " + r.path() + ")", "pods", name, List.of());
                }
                get(r, namespace, name);
                return;
            }
        }
        if (s.size() == 3 && s.get(0).equals("api") && s.get(1).equals("v1") && s.get(2).equals("events")) {
            requireGet(r);
            listEvents(r, null);
            return;
        }
        if ((s.size() == 5 || s.size() == 6) && s.get(0).equals("api") && s.get(1).equals("v1") && s.get(2).equals("namespaces")
                && s.get(4).equals("events")) {
            requireGet(r);
            NameRules.checkPath(s.get(3), null);
            if (s.size() == 6) {
                getEvent(r, s.get(3), s.get(5));
            } else {
                listEvents(r, s.get(3));
            }
            return;
        }
        throw ApiException.pathNotFound(r.path());
    }

    /** {@code /api/v1/namespaces[/name]}: list, create, get, delete ({@link Namespaces}); deleting removes the pods in it. */
    private void namespaces(Request r, String name) throws IOException {
        if (name != null) {
            NameRules.checkPath(name, null);
        }
        switch (r.method()) {
            case "GET", "HEAD" -> {
                if (name == null && r.param("watch") != null && !r.param("watch").equals("false") && !r.param("watch").equals("0")) {
                    throw ApiException.methodNotAllowed("WATCH", r.path() + " (namespaces can be listed, not watched)");
                }
                ObjectNode list = name == null ? namespaces.list(Selectors.fields(r.param("fieldSelector"))
                        .and(Selectors.labels(r.param("labelSelector")))) : null;
                ObjectNode one = name == null ? null : namespaces.get(name);
                if (PodTable.wantsTable(accept(r))) {
                    List<JsonNode> items = new ArrayList<>();
                    (list == null ? List.<JsonNode>of(one) : list.path("items")).forEach(items::add);
                    send(r.exchange(), 200, namespaces.table(items, tables, PodTable.parseInclude(r.param("includeObject"))));
                } else {
                    send(r.exchange(), 200, list == null ? one : list);
                }
            }
            case "POST" -> {
                if (name != null) {
                    throw ApiException.methodNotAllowed(r.method(), r.path());
                }
                String type = mediaType(r.exchange().getRequestHeaders().getFirst("Content-Type"));
                ObjectNode body;
                List<String> warnings = List.of();
                if (type.equals(Namespaces.PROTOBUF)) {
                    body = namespaces.decodeProtobuf(readLimited(r.exchange()));
                } else {
                    body = readObject(r, BODY_TYPES);
                    warnings = FieldValidation.check(body, NAMESPACE_SCHEMA, FieldValidation.parseMode(r.param("fieldValidation")),
                            "Namespace");
                }
                ObjectNode created = namespaces.create(body, dryRun(r));
                warn(r, warnings);
                send(r.exchange(), 201, created);
            }
            case "DELETE" -> {
                if (name == null) {
                    throw ApiException.methodNotAllowed(r.method(), r.path());
                }
                send(r.exchange(), 200, namespaces.delete(name, dryRun(r))); // Terminating; its pods are deleted
            }
            default -> throw ApiException.methodNotAllowed(r.method(), r.path());
        }
    }

    /** core/v1 Namespace as far as the agent reads it: upstream's ObjectMeta (from {@link PodSchema}), spec, status. */
    private static final SchemaNode NAMESPACE_SCHEMA = SchemaNode.object("io.k8s.api.core.v1.Namespace", null, Map.of(
            "apiVersion", SchemaNode.string(null), "kind", SchemaNode.string(null),
            "metadata", PodSchema.POD.field("metadata"),
            "spec", SchemaNode.object("io.k8s.api.core.v1.NamespaceSpec", null, Map.of(
                    "finalizers", SchemaNode.array(SchemaNode.string(null), null))),
            "status", SchemaNode.freeObject(null)));

    private static void sendBytes(HttpExchange exchange, String contentType, byte[] bytes) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        if (exchange.getRequestMethod().equalsIgnoreCase("HEAD")) {
            exchange.sendResponseHeaders(200, -1);
            return;
        }
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void requireGet(Request r) {
        if (!r.method().equals("GET") && !r.method().equals("HEAD")) {
            throw ApiException.methodNotAllowed(r.method(), r.path());
        }
    }

    // ---------------------------------------------------------------- verbs

    private void get(Request r, String namespace, String name) throws IOException {
        ObjectNode pod = pods.get(namespace, name).orElseThrow(() -> ApiException.notFound("pods", name));
        if (PodTable.wantsTable(accept(r))) {
            send(r.exchange(), 200, tables.table(List.of(pod), null, PodTable.parseInclude(r.param("includeObject"))));
        } else {
            send(r.exchange(), 200, pod);
        }
    }

    private void listOrWatch(Request r, String namespace) throws IOException {
        Predicate<JsonNode> filter = Selectors.fields(r.param("fieldSelector")).and(Selectors.labels(r.param("labelSelector")));
        String watch = r.param("watch");
        if (watch != null && (watch.equals("true") || watch.equals("1"))) {
            watch(r, namespace, filter);
            return;
        }
        PodService.PodList list = pods.list(namespace);
        List<ObjectNode> items = list.items().stream().filter(filter).toList();
        if (PodTable.wantsTable(accept(r))) {
            send(r.exchange(), 200, tables.table(items, Long.toString(list.resourceVersion()),
                    PodTable.parseInclude(r.param("includeObject"))));
            return;
        }
        ObjectNode out = json.createObjectNode();
        out.put("kind", "PodList").put("apiVersion", "v1");
        out.putObject("metadata").put("resourceVersion", Long.toString(list.resourceVersion()));
        ArrayNode array = out.putArray("items");
        items.forEach(array::add);
        send(r.exchange(), 200, out);
    }

    private void listEvents(Request r, String namespace) throws IOException {
        String watch = r.param("watch");
        if (watch != null && (watch.equals("true") || watch.equals("1"))) {
            throw ApiException.methodNotAllowed("WATCH", r.path() + " (events can be listed, not watched)");
        }
        Predicate<JsonNode> filter = Selectors.eventFields(r.param("fieldSelector")).and(Selectors.labels(r.param("labelSelector")));
        List<ObjectNode> items = pods.events(namespace).stream().filter(filter).toList();
        String resourceVersion = items.isEmpty() ? "0" : items.get(items.size() - 1).path("metadata").path("resourceVersion").asText();
        if (PodTable.wantsTable(accept(r))) {
            send(r.exchange(), 200, eventTables.table(items, resourceVersion, PodTable.parseInclude(r.param("includeObject"))));
            return;
        }
        ObjectNode out = json.createObjectNode();
        out.put("kind", "EventList").put("apiVersion", "v1");
        out.putObject("metadata").put("resourceVersion", resourceVersion);
        ArrayNode array = out.putArray("items");
        items.forEach(array::add);
        send(r.exchange(), 200, out);
    }

    private void getEvent(Request r, String namespace, String name) throws IOException {
        ObjectNode event = pods.events(namespace).stream().filter(e -> name.equals(e.path("metadata").path("name").asText()))
                .findFirst().orElseThrow(() -> ApiException.notFound("events", name));
        if (PodTable.wantsTable(accept(r))) {
            send(r.exchange(), 200, eventTables.table(List.of(event), null, PodTable.parseInclude(r.param("includeObject"))));
        } else {
            send(r.exchange(), 200, event);
        }
    }

    private void create(Request r, String namespace) throws IOException {
        ObjectNode body = readObject(r, BODY_TYPES);
        List<String> warnings = checkKindAndFields(r, body);
        ObjectNode meta = body.with("metadata");
        String bodyNamespace = meta.path("namespace").asText("");
        if (!bodyNamespace.isEmpty() && !bodyNamespace.equals(namespace)) {
            throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
        meta.put("namespace", namespace);
        String name = meta.path("name").asText("");
        if (name.isEmpty() && meta.hasNonNull("generateName")) {
            name = meta.get("generateName").asText() + randomSuffix();
            meta.put("name", name);
        }
        if (name.isEmpty()) {
            throw ApiException.invalid("Pod", "", List.of(new ApiException.Cause("FieldValueRequired",
                    "Required value: name or generateName is required", "metadata.name")));
        }
        NameRules.checkBody(namespace, name, meta.hasNonNull("uid") ? meta.get("uid").asText() : null);
        namespaces.admitNewPod(namespace, name); // NamespaceLifecycle: 404 without the namespace, 403 while it terminates
        ObjectNode created = pods.create(namespace, body, dryRun(r));
        warn(r, warnings);
        send(r.exchange(), 201, created);
    }

    private void replace(Request r, String namespace, String name, boolean resize) throws IOException {
        ObjectNode body = readObject(r, BODY_TYPES);
        List<String> warnings = checkKindAndFields(r, body);
        checkIdentity(body, namespace, name);
        String rv = body.path("metadata").path("resourceVersion").asText("");
        ObjectNode updated = pods.update(namespace, name, body, rv.isEmpty() ? null : parseVersion(rv, name), resize, dryRun(r));
        warn(r, warnings);
        send(r.exchange(), 200, updated);
    }

    private void patch(Request r, String namespace, String name, boolean resize) throws IOException {
        String type = mediaType(r.exchange().getRequestHeaders().getFirst("Content-Type"));
        if (type.equals("application/apply-patch+yaml") || type.equals("application/apply-patch+cbor")) {
            throw new ApiException(415, "UnsupportedMediaType", "server-side apply (" + type + ") is not supported by resizelet; "
                    + "use a strategic merge, merge or JSON patch", null, null, List.of());
        }
        JsonNode patch = readJson(r, PATCH_TYPES);
        boolean strategic = type.equals("application/strategic-merge-patch+json");
        boolean merge = type.equals("application/merge-patch+json");
        if ((strategic || merge) && !patch.isObject()) {
            throw ApiException.badRequest("the patch must be a JSON object, got " + patch.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        if (!strategic && !merge && !patch.isArray()) {
            throw ApiException.badRequest("a JSON patch must be an array of operations");
        }
        String patchVersion = patch.isObject() ? patch.path("metadata").path("resourceVersion").asText("") : "";
        FieldValidation.Mode mode = FieldValidation.parseMode(r.param("fieldValidation"));
        for (int attempt = 1; ; attempt++) {
            ObjectNode current = pods.get(namespace, name).orElseThrow(() -> ApiException.notFound("pods", name));
            JsonNode patched;
            if (strategic) {
                patched = StrategicMergePatch.apply(current, patch, PodSchema.POD);
            } else if (merge) {
                patched = MergePatch.apply(current, patch);
            } else {
                try {
                    patched = JsonPatch.apply(patch, current);
                } catch (JsonPatchException | IllegalArgumentException e) {
                    throw new ApiException(422, "Invalid", "the JSON patch could not be applied: " + e.getMessage(), "pods", name, List.of());
                }
            }
            if (!patched.isObject()) {
                throw ApiException.badRequest("the patched object is not a JSON object");
            }
            ObjectNode result = (ObjectNode) patched;
            List<String> warnings = checkKindAndFields(mode, result);
            checkIdentity(result, namespace, name);
            long currentGeneration = current.path("metadata").path("generation").asLong(0);
            try {
                // without a resourceVersion in the patch, the patch must apply to the spec it was computed from
                // (generation precondition): concurrent writers never overwrite each other's spec, and a status
                // change in between is no conflict (the apiserver re-applies a patch to the latest object likewise)
                ObjectNode updated = patchVersion.isEmpty()
                        ? pods.updatePatched(namespace, name, result, currentGeneration, resize, dryRun(r))
                        : pods.update(namespace, name, result, parseVersion(patchVersion, name), resize, dryRun(r));
                warn(r, warnings);
                send(r.exchange(), 200, updated);
                return;
            } catch (ApiException e) {
                boolean retry = e.code() == 409 && e.reason().equals("Conflict") && patchVersion.isEmpty() && attempt < PATCH_RETRIES;
                if (!retry) {
                    throw e;
                }
                log.debug("patch conflict, retrying pod={}/{} attempt={}", namespace, name, attempt);
            }
        }
    }

    private void delete(Request r, String namespace, String name) throws IOException {
        ObjectNode options = null;
        if (hasBody(r)) {
            JsonNode body = readJson(r, BODY_TYPES);
            if (!body.isObject()) {
                throw ApiException.badRequest("DeleteOptions must be a JSON object");
            }
            options = (ObjectNode) body;
        }
        boolean dryRun = dryRun(r) || (options != null && options.path("dryRun").isArray()
                && options.path("dryRun").toString().contains("\"All\""));
        String uidPrecondition = options == null ? "" : options.path("preconditions").path("uid").asText("");
        String rvPrecondition = options == null ? "" : options.path("preconditions").path("resourceVersion").asText("");
        ObjectNode current = pods.get(namespace, name).orElseThrow(() -> ApiException.notFound("pods", name));
        if (!uidPrecondition.isEmpty() && !uidPrecondition.equals(current.path("metadata").path("uid").asText())) {
            throw new ApiException(409, "Conflict", "Operation cannot be fulfilled on pods \"" + name + "\": Precondition failed: UID in precondition: "
                    + uidPrecondition + ", UID in object meta: " + current.path("metadata").path("uid").asText(), "pods", name, List.of());
        }
        if (!rvPrecondition.isEmpty() && !rvPrecondition.equals(current.path("metadata").path("resourceVersion").asText())) {
            throw ApiException.conflict("pods", name);
        }
        Long gracePeriodSeconds = gracePeriodSeconds(r, options);
        if (dryRun) {
            send(r.exchange(), 200, current);
            return;
        }
        send(r.exchange(), 200, pods.delete(namespace, name, gracePeriodSeconds));
    }

    /**
     * DeleteOptions' {@code gracePeriodSeconds}, from the body or the query (kubectl sends the body; the query parameter is
     * the same option); null when neither gives it. Not an integer: 400, as the apiserver answers.
     */
    private static Long gracePeriodSeconds(Request r, ObjectNode options) {
        JsonNode fromBody = options == null ? null : options.get("gracePeriodSeconds");
        if (fromBody != null && !fromBody.isNull()) {
            if (!fromBody.canConvertToLong() || !fromBody.isIntegralNumber()) {
                throw ApiException.badRequest("DeleteOptions.gracePeriodSeconds must be an integer, got " + fromBody);
            }
            return fromBody.asLong();
        }
        String fromQuery = r.param("gracePeriodSeconds");
        if (fromQuery == null || fromQuery.isEmpty()) {
            return null;
        }
        try {
            return Long.parseLong(fromQuery);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("gracePeriodSeconds must be an integer, got \"" + fromQuery + "\"");
        }
    }

    private void watch(Request r, String namespace, Predicate<JsonNode> filter) throws IOException {
        boolean table = PodTable.wantsTable(accept(r));
        PodTable.Include include = PodTable.parseInclude(r.param("includeObject"));
        String rvParam = r.param("resourceVersion");
        Duration timeout = DEFAULT_WATCH_TIMEOUT;
        if (r.param("timeoutSeconds") != null) {
            try {
                timeout = Duration.ofSeconds(Math.max(0, Long.parseLong(r.param("timeoutSeconds"))));
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("timeoutSeconds must be an integer, got \"" + r.param("timeoutSeconds") + "\"");
            }
        }
        // bounded: a client that cannot keep up loses its watch (it re-lists), it never grows the agent's memory
        BlockingQueue<Object> queue = new LinkedBlockingQueue<>(WATCH_BUFFER);
        List<PodService.WatchEvent> initial = new ArrayList<>();
        long since;
        // what this client sees through its selectors: an object that starts or stops matching is ADDED or DELETED
        // for it, as the apiserver's watch cache does with the previous object
        SelectorView view = new SelectorView(filter);
        if (rvParam == null || rvParam.isEmpty() || rvParam.equals("0")) {
            PodService.PodList list = pods.list(namespace);
            since = list.resourceVersion();
            list.items().forEach(p -> initial.add(new PodService.WatchEvent("ADDED", p)));
        } else {
            since = parseVersion(rvParam, "");
            pods.list(namespace).items().forEach(view::seen); // the nearest known "before": the objects as they are now
        }
        AutoCloseable subscription;
        ApiException gone = null;
        try {
            subscription = pods.watch(namespace, since, e -> {
                if (e == null || !queue.offer(e)) {
                    queue.clear();
                    queue.offer(CLOSE); // too slow (here or in the agent): end the watch, the client re-lists
                }
            });
        } catch (ApiException e) {
            if (e.code() != 410) {
                throw e;
            }
            subscription = () -> { };
            gone = e;
        }
        watches.add(queue);
        r.exchange().getResponseHeaders().set("Content-Type", "application/json");
        r.exchange().sendResponseHeaders(200, 0);
        Instant deadline = clock.instant().plus(timeout);
        try (AutoCloseable sub = subscription; OutputStream out = r.exchange().getResponseBody()) {
            if (gone != null) {
                writeEvent(out, "ERROR", statusBody(gone));
                return;
            }
            for (PodService.WatchEvent e : initial) {
                String type = view.typeFor(e.type(), e.object());
                if (type != null) {
                    writeEvent(out, type, table ? tables.table(List.of(e.object()), null, include) : e.object());
                }
            }
            out.flush();
            while (!closing) {
                Duration left = Duration.between(clock.instant(), deadline);
                if (left.isNegative() || left.isZero()) {
                    return;
                }
                long waitMillis = Math.min(left.toMillis(), WATCH_KEEPALIVE.toMillis());
                Object next = queue.poll(waitMillis, TimeUnit.MILLISECONDS);
                if (next == CLOSE) {
                    return;
                }
                if (next == null) {
                    out.write('\n'); // keep-alive; fails once the client is gone, which ends the watch
                    out.flush();
                    continue;
                }
                PodService.WatchEvent e = (PodService.WatchEvent) next;
                String type = view.typeFor(e.type(), e.object());
                if (type == null) {
                    continue;
                }
                writeEvent(out, type, table ? tables.table(List.of(e.object()), null, include) : e.object());
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.debug("watch client went away path={} error={}", r.path(), e.toString());
        } catch (Exception e) {
            log.warn("watch ended with an error path={}", r.path(), e);
        } finally {
            watches.remove(queue);
        }
    }

    private void writeEvent(OutputStream out, String type, ObjectNode object) throws IOException {
        ObjectNode event = json.createObjectNode();
        event.put("type", type);
        event.set("object", object);
        out.write(json.writeValueAsBytes(event));
        out.write('\n');
    }

    // ---------------------------------------------------------------- bodies

    private boolean hasBody(Request r) {
        String length = r.exchange().getRequestHeaders().getFirst("Content-Length");
        String chunked = r.exchange().getRequestHeaders().getFirst("Transfer-Encoding");
        return (length != null && !length.equals("0")) || (chunked != null && !chunked.isEmpty());
    }

    private static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    private JsonNode readJson(Request r, List<String> accepted) throws IOException {
        String contentType = r.exchange().getRequestHeaders().getFirst("Content-Type");
        String type = mediaType(contentType);
        if (!accepted.contains(type)) {
            throw ApiException.unsupportedMediaType(contentType, accepted);
        }
        byte[] body = readLimited(r.exchange());
        if (body.length == 0) {
            throw ApiException.badRequest("the request body is empty");
        }
        try {
            return type.equals("application/yaml") ? yaml.readTree(body) : json.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the request body is not valid " + (type.equals("application/yaml") ? "YAML" : "JSON")
                    + ": " + e.getOriginalMessage() + " (line " + lineOf(e) + ")");
        }
    }

    private ObjectNode readObject(Request r, List<String> accepted) throws IOException {
        JsonNode node = readJson(r, accepted);
        if (!node.isObject()) {
            throw ApiException.badRequest("the request body must be a JSON object, got " + node.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        return (ObjectNode) node;
    }

    private static int lineOf(JsonProcessingException e) {
        return e.getLocation() == null ? 0 : e.getLocation().getLineNr();
    }

    private static byte[] readLimited(HttpExchange exchange) throws IOException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > MAX_BODY_BYTES) {
                    drain(exchange.getRequestBody());
                    throw ApiException.tooLarge(MAX_BODY_BYTES);
                }
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("invalid Content-Length \"" + length + "\"");
            }
        }
        InputStream in = exchange.getRequestBody();
        byte[] data = in.readNBytes((int) MAX_BODY_BYTES + 1);
        if (data.length > MAX_BODY_BYTES) {
            drain(in);
            throw ApiException.tooLarge(MAX_BODY_BYTES);
        }
        return data;
    }

    /**
     * Reads and discards what the client is still sending (up to {@link #MAX_DRAIN_BYTES}) so that it reads our
     * 413 rather than a connection reset.
     */
    private static void drain(InputStream in) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        for (int n; total < MAX_DRAIN_BYTES && (n = in.read(buffer)) > 0; ) {
            total += n;
        }
    }

    private static final long MAX_DRAIN_BYTES = 64L * 1024 * 1024;

    private List<String> checkKindAndFields(Request r, ObjectNode body) {
        return checkKindAndFields(FieldValidation.parseMode(r.param("fieldValidation")), body);
    }

    private static List<String> checkKindAndFields(FieldValidation.Mode mode, ObjectNode body) {
        String kind = body.path("kind").asText("");
        String apiVersion = body.path("apiVersion").asText("");
        if (!kind.isEmpty() && !kind.equals("Pod")) {
            throw ApiException.badRequest("the object provided is unrecognized (must be of type Pod): kind \"" + kind + "\"");
        }
        if (!apiVersion.isEmpty() && !apiVersion.equals("v1")) {
            throw ApiException.badRequest("the API version in the data (" + apiVersion + ") does not match the expected API version (v1)");
        }
        return FieldValidation.check(body, PodSchema.POD, mode, "Pod");
    }

    private static void checkIdentity(ObjectNode body, String namespace, String name) {
        String bodyName = body.path("metadata").path("name").asText("");
        if (!bodyName.isEmpty() && !bodyName.equals(name)) {
            throw ApiException.badRequest("the name of the object (" + NameRules.abbreviate(bodyName)
                    + ") does not match the name on the URL (" + name + ")");
        }
        String bodyNamespace = body.path("metadata").path("namespace").asText("");
        if (!bodyNamespace.isEmpty() && !bodyNamespace.equals(namespace)) {
            throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
        }
        JsonNode uid = body.path("metadata").get("uid");
        if (uid != null && !uid.isNull() && !NameRules.validUid(uid.asText())) {
            NameRules.checkBody(namespace, name, uid.asText());
        }
    }

    private static long parseVersion(String rv, String name) {
        try {
            long v = Long.parseLong(rv);
            if (v < 0) {
                throw new NumberFormatException("negative");
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid resourceVersion \"" + NameRules.abbreviate(rv) + "\""
                    + (name.isEmpty() ? "" : " for pod \"" + name + "\"") + ": must be a non-negative integer");
        }
    }

    private static boolean dryRun(Request r) {
        String d = r.param("dryRun");
        if (d == null || d.isEmpty()) {
            return false;
        }
        if (!d.equals("All")) {
            throw ApiException.badRequest("dryRun: Unsupported value: \"" + d + "\": supported values: \"All\"");
        }
        return true;
    }

    private static String accept(Request r) {
        return r.exchange().getRequestHeaders().getFirst("Accept");
    }

    private static String randomSuffix() {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder sb = new StringBuilder();
        java.util.concurrent.ThreadLocalRandom rnd = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; i < 5; i++) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- responses

    private static void warn(Request r, List<String> warnings) {
        for (String w : warnings) {
            r.exchange().getResponseHeaders().add("Warning", "299 - \"" + w.replace("\"", "\\\"") + "\"");
        }
    }

    private void send(HttpExchange exchange, int code, JsonNode body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (exchange.getRequestMethod().equalsIgnoreCase("HEAD")) {
            exchange.sendResponseHeaders(code, -1);
            return;
        }
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void sendText(HttpExchange exchange, int code, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    ObjectNode statusBody(ApiException e) {
        ObjectNode status = json.createObjectNode();
        status.put("kind", "Status").put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Failure").put("message", e.getMessage()).put("reason", e.reason());
        if (e.detailsKind() != null || e.detailsName() != null || !e.causes().isEmpty()) {
            ObjectNode details = status.putObject("details");
            if (e.detailsName() != null) {
                details.put("name", e.detailsName());
            }
            if (e.detailsKind() != null) {
                details.put("kind", e.detailsKind());
            }
            if (!e.causes().isEmpty()) {
                ArrayNode causes = details.putArray("causes");
                for (ApiException.Cause c : e.causes()) {
                    causes.addObject().put("reason", c.reason()).put("message", c.message()).put("field", c.field());
                }
            }
        }
        status.put("code", e.code());
        return status;
    }

    private void sendStatus(HttpExchange exchange, ApiException e) {
        try {
            // the JDK server drains an unread request body on close, or closes the connection
            send(exchange, e.code(), statusBody(e));
        } catch (IOException io) {
            log.debug("could not send error status code={} error={}", e.code(), io.toString());
        } catch (IllegalStateException alreadySent) {
            log.debug("error after the response started code={} message={}", e.code(), e.getMessage());
        }
    }
}
