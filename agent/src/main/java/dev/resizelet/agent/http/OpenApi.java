package dev.resizelet.agent.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * The OpenAPI v3 documents kubectl reads: {@code /openapi/v3} (the list of group-versions) and
 * {@code /openapi/v3/api/v1}. Every pod operation declares {@code x-kubernetes-group-version-kind} and the
 * {@code fieldValidation} query parameter, which is how kubectl decides to leave validation to the server.
 */
public final class OpenApi {
    private final ObjectMapper json;
    private final ObjectNode apiV1;
    private final String hash;

    public OpenApi(ObjectMapper json, String kubernetesVersion) {
        this.json = json;
        this.apiV1 = buildApiV1(kubernetesVersion);
        this.hash = sha512(apiV1.toString());
    }

    public ObjectNode root() {
        ObjectNode root = json.createObjectNode();
        root.putObject("paths").putObject("api/v1").put("serverRelativeURL", "/openapi/v3/api/v1?hash=" + hash);
        return root;
    }

    public ObjectNode apiV1() {
        return apiV1;
    }

    private ObjectNode buildApiV1(String version) {
        ObjectNode doc = json.createObjectNode();
        doc.put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Kubernetes (resizelet pod API)").put("version", version);
        ObjectNode paths = doc.putObject("paths");
        ObjectNode schemas = doc.putObject("components").putObject("schemas");
        emit(PodSchema.POD, schemas);
        ObjectNode status = schemas.putObject("io.k8s.apimachinery.pkg.apis.meta.v1.Status");
        status.put("type", "object").put("description", "Status is a return value for calls that don't return other objects.");
        ObjectNode podList = schemas.putObject("io.k8s.api.core.v1.PodList");
        podList.put("type", "object");
        ObjectNode plProps = podList.putObject("properties");
        plProps.putObject("apiVersion").put("type", "string");
        plProps.putObject("kind").put("type", "string");
        plProps.putObject("metadata").put("type", "object");
        plProps.putObject("items").put("type", "array").set("items", ref("io.k8s.api.core.v1.Pod"));

        String ns = "/api/v1/namespaces/{namespace}/pods";
        ObjectNode collection = paths.putObject(ns);
        collection.set("parameters", params(true, false));
        collection.set("get", op("listCoreV1NamespacedPod", "list", null, "io.k8s.api.core.v1.PodList", false, true));
        collection.set("post", op("createCoreV1NamespacedPod", "post", null, "io.k8s.api.core.v1.Pod", true, false));

        ObjectNode item = paths.putObject(ns + "/{name}");
        item.set("parameters", params(true, true));
        item.set("get", op("readCoreV1NamespacedPod", "get", null, "io.k8s.api.core.v1.Pod", false, false));
        item.set("put", op("replaceCoreV1NamespacedPod", "put", null, "io.k8s.api.core.v1.Pod", true, false));
        item.set("patch", op("patchCoreV1NamespacedPod", "patch", null, "io.k8s.api.core.v1.Pod", true, false));
        item.set("delete", op("deleteCoreV1NamespacedPod", "delete", null, "io.k8s.api.core.v1.Pod", false, false));

        for (String sub : new String[] {"resize", "status"}) {
            String cap = Character.toUpperCase(sub.charAt(0)) + sub.substring(1);
            ObjectNode p = paths.putObject(ns + "/{name}/" + sub);
            p.set("parameters", params(true, true));
            p.set("get", op("readCoreV1NamespacedPod" + cap, "get", sub, "io.k8s.api.core.v1.Pod", false, false));
            p.set("patch", op("patchCoreV1NamespacedPod" + cap, "patch", sub, "io.k8s.api.core.v1.Pod", true, false));
            p.set("put", op("replaceCoreV1NamespacedPod" + cap, "put", sub, "io.k8s.api.core.v1.Pod", true, false));
        }
        ObjectNode all = paths.putObject("/api/v1/pods");
        all.set("get", op("listCoreV1PodForAllNamespaces", "list", null, "io.k8s.api.core.v1.PodList", false, true));
        return doc;
    }

    private ObjectNode op(String id, String action, String subresource, String responseRef, boolean write, boolean list) {
        ObjectNode op = json.createObjectNode();
        op.put("operationId", id);
        op.putArray("tags").add("core_v1");
        op.put("x-kubernetes-action", action);
        op.putObject("x-kubernetes-group-version-kind").put("group", "").put("version", "v1").put("kind", "Pod");
        ArrayNode parameters = op.putArray("parameters");
        if (write) {
            parameters.add(query("dryRun", "When present, indicates that modifications should not be persisted. Valid value: All"));
            parameters.add(query("fieldManager", "A name associated with the actor or entity that is making these changes."));
            parameters.add(query("fieldValidation", "Ignore, Warn (default) or Strict: how unknown fields in the body are treated; "
                    + "Strict refuses them with 400 BadRequest."));
            ObjectNode content = op.putObject("requestBody").putObject("content");
            if (action.equals("patch")) {
                for (String type : new String[] {"application/strategic-merge-patch+json", "application/merge-patch+json",
                        "application/json-patch+json"}) {
                    content.putObject(type).putObject("schema").put("type", "object");
                }
            } else {
                content.putObject("application/json").set("schema", ref("io.k8s.api.core.v1.Pod"));
            }
            op.with("requestBody").put("required", true);
        }
        if (list) {
            parameters.add(query("labelSelector", "A selector to restrict the list of returned objects by their labels."));
            parameters.add(query("fieldSelector", "metadata.name, metadata.namespace, status.phase, spec.nodeName (=, ==, !=)."));
            parameters.add(query("resourceVersion", "With watch: stream events after this version."));
            parameters.add(query("watch", "Watch for changes and stream them as JSON lines."));
            parameters.add(query("timeoutSeconds", "Timeout for the watch."));
        }
        ObjectNode responses = op.putObject("responses");
        ObjectNode ok = responses.putObject("200").put("description", "OK");
        ok.putObject("content").putObject("application/json").set("schema", ref(responseRef));
        if (action.equals("post")) {
            responses.putObject("201").put("description", "Created").putObject("content").putObject("application/json")
                    .set("schema", ref(responseRef));
        }
        if (subresource != null) {
            op.put("description", subresource.equals("resize")
                    ? "Resize the pod's containers in place: only container resources and resizePolicy may change."
                    : "The pod's status as the agent reports it.");
        }
        return op;
    }

    private ObjectNode query(String name, String description) {
        ObjectNode p = json.createObjectNode();
        p.put("name", name).put("in", "query").put("description", description);
        p.putObject("schema").put("type", "string").put("uniqueItems", true);
        return p;
    }

    private ArrayNode params(boolean namespace, boolean name) {
        ArrayNode a = json.createArrayNode();
        if (name) {
            ObjectNode p = a.addObject().put("name", "name").put("in", "path").put("required", true)
                    .put("description", "name of the Pod");
            p.putObject("schema").put("type", "string").put("uniqueItems", true);
        }
        if (namespace) {
            ObjectNode p = a.addObject().put("name", "namespace").put("in", "path").put("required", true)
                    .put("description", "object name and auth scope");
            p.putObject("schema").put("type", "string").put("uniqueItems", true);
        }
        a.add(query("pretty", "If 'true', then the output is pretty printed."));
        return a;
    }

    private ObjectNode ref(String component) {
        return json.createObjectNode().put("$ref", "#/components/schemas/" + component);
    }

    /** Emits {@code node} into {@code schemas} if it is a named component; returns the node's JSON schema. */
    private ObjectNode emit(SchemaNode node, ObjectNode schemas) {
        if (node.component() != null && schemas.has(node.component())) {
            return ref(node.component());
        }
        ObjectNode out = json.createObjectNode();
        if (node.description() != null) {
            out.put("description", node.description());
        }
        if (!node.type().isEmpty()) {
            out.put("type", node.type());
        }
        if (node.format() != null) {
            out.put("format", node.format());
        }
        if (node.component() != null) {
            schemas.set(node.component(), out);
        }
        if (node.freeForm()) {
            out.put("x-kubernetes-preserve-unknown-fields", true);
        }
        if (node.isMap()) {
            out.set("additionalProperties", emit(node.values(), schemas));
        }
        if (!node.properties().isEmpty()) {
            ObjectNode props = out.putObject("properties");
            for (Map.Entry<String, SchemaNode> e : node.properties().entrySet()) {
                props.set(e.getKey(), emit(e.getValue(), schemas));
            }
        }
        if (node.items() != null) {
            out.set("items", emit(node.items(), schemas));
        }
        if (node.mergeList()) {
            if (node.mergeKey() != null) {
                out.put("x-kubernetes-patch-merge-key", node.mergeKey());
                out.put("x-kubernetes-list-type", "map");
                out.putArray("x-kubernetes-list-map-keys").add(node.mergeKey());
            } else {
                out.put("x-kubernetes-list-type", "set");
            }
            out.put("x-kubernetes-patch-strategy", "merge");
        }
        if (node.component() != null) {
            if (node.component().equals("io.k8s.api.core.v1.Pod")) {
                out.putArray("x-kubernetes-group-version-kind").addObject().put("group", "").put("kind", "Pod").put("version", "v1");
            }
            return ref(node.component());
        }
        return out;
    }

    private static String sha512(String s) {
        try {
            return HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-512")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-512 is required of every JVM", e);
        }
    }
}
