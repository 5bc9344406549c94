package dev.resizelet.agent.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Pod shape the agent accepts, derived from the upstream OpenAPI v3 document: the bundled resource
 * {@value #RESOURCE} is the part of kubernetes/kubernetes {@code api/openapi-spec/v3/api__v1_openapi.json} (the commit
 * is in its {@code x-resizelet-source}) that describes Pod, PodSpec, Container and ObjectMeta. Field names and types,
 * and for strategic merge patch which lists merge by which key ({@code x-kubernetes-patch-strategy: merge} with
 * {@code x-kubernetes-patch-merge-key}) and which are replaced whole (everything else, e.g. {@code resizePolicy},
 * {@code +listType=atomic}), come from there and nowhere else. Schemas the bundle references but does not hold are
 * free-form objects; {@code status} is the agent's and is ignored on input. Fields outside the schema are refused under
 * {@code fieldValidation=Strict}.
 */
public final class PodSchema {
    private PodSchema() {}

    /** Classpath location of the bundled upstream schemas. */
    public static final String RESOURCE = "/openapi/core-v1-pod.json";
    public static final String QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
    private static final String TIME = "io.k8s.apimachinery.pkg.apis.meta.v1.Time";
    private static final String POD_STATUS = "io.k8s.api.core.v1.PodStatus";
    private static final String REF_PREFIX = "#/components/schemas/";

    private static final SchemaNode QUANTITY_NODE = new SchemaNode("string", null, QUANTITY,
            "Quantity is a fixed-point representation of a number, e.g. 500m, 1, 128Mi.", null, null, null, false, null, false);

    /** The bundled document as read (for provenance in tests and diagnostics). */
    public static final JsonNode UPSTREAM = load();

    public static final SchemaNode POD = new Builder(UPSTREAM.path("components").path("schemas")).component("io.k8s.api.core.v1.Pod");

    private static JsonNode load() {
        try (InputStream in = PodSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing classpath resource " + RESOURCE);
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** Turns the bundled OpenAPI schemas into {@link SchemaNode}s, one node per named component. */
    private static final class Builder {
        private final JsonNode schemas;
        private final Map<String, SchemaNode> built = new HashMap<>();

        Builder(JsonNode schemas) {
            this.schemas = schemas;
        }

        SchemaNode component(String name) {
            SchemaNode done = built.get(name);
            if (done != null) {
                return done;
            }
            SchemaNode node;
            if (name.equals(QUANTITY)) {
                node = QUANTITY_NODE;
            } else if (name.equals(TIME)) {
                node = SchemaNode.dateTime(null);
            } else if (name.equals(POD_STATUS)) {
                node = new SchemaNode("object", null, POD_STATUS, "Reported by the agent; ignored on create and update.",
                        null, null, null, true, null, false);
            } else if (!schemas.has(name)) {
                node = new SchemaNode("object", null, null, null, null, null, null, true, null, false);
            } else {
                node = schema(schemas.get(name), name);
            }
            built.put(name, node);
            return node;
        }

        private SchemaNode schema(JsonNode s, String component) {
            String ref = ref(s);
            if (ref != null) {
                return component(ref);
            }
            String type = s.path("type").asText("");
            String format = s.hasNonNull("format") ? s.get("format").asText() : null;
            switch (type) {
                case "array" -> {
                    String strategy = s.path("x-kubernetes-patch-strategy").asText("");
                    boolean merge = List.of(strategy.split(",")).contains("merge");
                    String key = merge && s.hasNonNull("x-kubernetes-patch-merge-key")
                            ? s.get("x-kubernetes-patch-merge-key").asText() : null;
                    return new SchemaNode("array", null, null, null, null, schema(s.path("items"), null), null, false, key, merge);
                }
                case "object" -> {
                    if (s.has("additionalProperties")) {
                        return new SchemaNode("object", null, null, null, null, null, schema(s.get("additionalProperties"), null),
                                false, null, false);
                    }
                    if (!s.has("properties")) {
                        return new SchemaNode("object", null, component, null, null, null, null, true, null, false);
                    }
                    Map<String, SchemaNode> props = new LinkedHashMap<>();
                    s.get("properties").fields().forEachRemaining(e -> props.put(e.getKey(), schema(e.getValue(), null)));
                    return SchemaNode.object(component, null, props);
                }
                case "string", "integer", "boolean", "number" -> {
                    return new SchemaNode(type, format, null, null, null, null, null, false, null, false);
                }
                default -> {
                    return new SchemaNode("", null, null, null, null, null, null, true, null, false);
                }
            }
        }

        /** The component a schema refers to ({@code $ref} or the generator's {@code allOf: [{$ref}]}), or null. */
        private static String ref(JsonNode s) {
            JsonNode r = s.get("$ref");
            if (r == null && s.path("allOf").size() == 1) {
                r = s.path("allOf").get(0).get("$ref");
            }
            if (r == null) {
                return null;
            }
            String text = r.asText();
            return text.startsWith(REF_PREFIX) ? text.substring(REF_PREFIX.length()) : text;
        }
    }
}
