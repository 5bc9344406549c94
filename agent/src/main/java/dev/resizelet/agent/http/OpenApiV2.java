package dev.resizelet.agent.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * {@code /openapi/v2}: the Swagger 2.0 document of the Pod schema ({@link PodSchema}), as JSON or as the protobuf
 * kubectl up to 1.27 asks for ({@code Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf}) and
 * validates {@code create -f} with. The protobuf is gnostic's {@code openapi.v2.Document} (google/gnostic
 * openapiv2/OpenAPIv2.proto), written field by field for the subset used here: Document {swagger=1, info=2,
 * paths=8, definitions=9}, Info {title=1, version=2}, Definitions/Properties {additional_properties=1: NamedSchema
 * {name=1, value=2}}, Schema {_ref=1, format=2, description=4, additional_properties=21 {schema=1}, type=22
 * {value=1}, items=23 {schema=1}, properties=25, vendor_extension=31: NamedAny {name=1, value=2: Any {yaml=2}}}.
 * Definitions carry {@code x-kubernetes-group-version-kind} so that kubectl finds the Pod model.
 */
public final class OpenApiV2 {
    public static final String PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    private final ObjectMapper json;
    private final ObjectNode document;
    private final byte[] protobuf;

    public OpenApiV2(ObjectMapper json, String kubernetesVersion) {
        this.json = json;
        this.document = build(kubernetesVersion);
        this.protobuf = encodeDocument(document);
    }

    public ObjectNode json() {
        return document;
    }

    public byte[] protobuf() {
        return protobuf.clone();
    }

    /** True when the client asked for the protobuf form. */
    public static boolean wantsProtobuf(String accept) {
        return accept != null && accept.contains("application/com.github.proto-openapi.spec.v2");
    }

    private ObjectNode build(String version) {
        ObjectNode doc = json.createObjectNode();
        doc.put("swagger", "2.0");
        doc.putObject("info").put("title", "Kubernetes (resizelet pod API)").put("version", version);
        doc.putObject("paths");
        ObjectNode definitions = doc.putObject("definitions");
        definitions.putObject(PodSchema.QUANTITY).put("description",
                "Quantity is a fixed-point representation of a number, e.g. 500m, 1, 128Mi (a string or a number).");
        ObjectNode pod = definitions.putObject("io.k8s.api.core.v1.Pod");
        pod.setAll(schema(PodSchema.POD, definitions, true));
        ArrayNode gvk = pod.putArray("x-kubernetes-group-version-kind");
        gvk.addObject().put("group", "").put("kind", "Pod").put("version", "v1");
        return doc;
    }

    /** The Swagger schema of {@code node}; named components go to {@code definitions} and are referenced. */
    private ObjectNode schema(SchemaNode node, ObjectNode definitions, boolean inline) {
        ObjectNode out = json.createObjectNode();
        if (!inline && node.component() != null && !node.freeForm()) {
            String name = node.component();
            if (!definitions.has(name)) {
                definitions.putObject(name); // reserve first: a recursive schema then refers to itself
                definitions.set(name, schema(node, definitions, true));
            }
            return out.put("$ref", "#/definitions/" + name);
        }
        if (node.description() != null) {
            out.put("description", node.description());
        }
        if (node.type().isEmpty()) {
            return out; // anything
        }
        out.put("type", node.type());
        if (node.format() != null) {
            out.put("format", node.format());
        }
        switch (node.type()) {
            case "array" -> out.set("items", schema(node.items(), definitions, false));
            case "object" -> {
                if (node.isMap()) {
                    out.set("additionalProperties", schema(node.values(), definitions, false));
                } else if (!node.freeForm() && !node.properties().isEmpty()) {
                    ObjectNode props = out.putObject("properties");
                    node.properties().forEach((k, v) -> props.set(k, schema(v, definitions, false)));
                }
            }
            default -> { }
        }
        if (node.mergeList()) {
            out.put("x-kubernetes-patch-strategy", "merge");
            if (node.mergeKey() != null) {
                out.put("x-kubernetes-patch-merge-key", node.mergeKey());
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- gnostic protobuf

    private byte[] encodeDocument(ObjectNode doc) {
        return message(out -> {
            out.writeString(1, doc.path("swagger").asText());
            out.writeBytes(2, bytes(message(info -> {
                info.writeString(1, doc.path("info").path("title").asText());
                info.writeString(2, doc.path("info").path("version").asText());
            })));
            out.writeBytes(8, ByteString.EMPTY);
            out.writeBytes(9, bytes(namedSchemas(doc.path("definitions"))));
        });
    }

    private byte[] namedSchemas(JsonNode map) {
        return message(out -> {
            for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.writeBytes(1, bytes(message(named -> {
                    named.writeString(1, e.getKey());
                    named.writeBytes(2, bytes(encodeSchema(e.getValue())));
                })));
            }
        });
    }

    private byte[] encodeSchema(JsonNode s) {
        return message(out -> {
            if (s.has("$ref")) {
                out.writeString(1, s.get("$ref").asText());
            }
            if (s.has("format")) {
                out.writeString(2, s.get("format").asText());
            }
            if (s.has("description")) {
                out.writeString(4, s.get("description").asText());
            }
            if (s.has("additionalProperties")) {
                byte[] inner = encodeSchema(s.get("additionalProperties"));
                out.writeBytes(21, bytes(message(ap -> ap.writeBytes(1, bytes(inner)))));
            }
            if (s.has("type")) {
                out.writeBytes(22, bytes(message(t -> t.writeString(1, s.get("type").asText()))));
            }
            if (s.has("items")) {
                byte[] inner = encodeSchema(s.get("items"));
                out.writeBytes(23, bytes(message(items -> items.writeBytes(1, bytes(inner)))));
            }
            if (s.has("properties")) {
                out.writeBytes(25, bytes(namedSchemas(s.get("properties"))));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = s.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().startsWith("x-")) {
                    String yaml = yaml(e.getValue());
                    out.writeBytes(31, bytes(message(named -> {
                        named.writeString(1, e.getKey());
                        named.writeBytes(2, bytes(message(any -> any.writeString(2, yaml))));
                    })));
                }
            }
        });
    }

    /** JSON is YAML: the value as compact JSON is what gnostic's yaml field holds for a vendor extension. */
    private String yaml(JsonNode value) {
        try {
            return json.writeValueAsString(value) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FunctionalInterface
    private interface Writer {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Writer writer) {
        try {
            ByteString.Output buffer = ByteString.newOutput();
            CodedOutputStream out = CodedOutputStream.newInstance(buffer);
            writer.write(out);
            out.flush();
            return buffer.toByteString().toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ByteString bytes(byte[] b) {
        return ByteString.copyFrom(b);
    }
}
