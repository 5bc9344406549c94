package dev.resizelet.agent.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The apiserver's {@code fieldValidation} query parameter: {@code Strict} refuses unknown fields with
 * 400 BadRequest ({@code strict decoding error: unknown field "spec.foo"}), {@code Warn} (the default) accepts
 * and returns a {@code Warning} header per field, {@code Ignore} accepts silently. Wrong JSON types are
 * refused in every mode, as the apiserver's decoder does.
 */
public final class FieldValidation {
    private FieldValidation() {}

    public enum Mode { STRICT, WARN, IGNORE }

    public static Mode parseMode(String value) {
        if (value == null || value.isEmpty()) {
            return Mode.WARN;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "strict" -> Mode.STRICT;
            case "warn" -> Mode.WARN;
            case "ignore" -> Mode.IGNORE;
            default -> throw ApiException.badRequest("fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\", got \""
                    + value + "\"");
        };
    }

    /**
     * Checks {@code object} against {@code schema}; returns the unknown-field warnings (empty when Strict passes
     * or under Ignore) or throws 400.
     */
    public static List<String> check(JsonNode object, SchemaNode schema, Mode mode, String kind) {
        List<String> unknown = new ArrayList<>();
        List<String> wrongType = new ArrayList<>();
        walk(object, schema, "", unknown, wrongType);
        String prefix = kind + " in version \"v1\" cannot be handled as a " + kind + ": ";
        if (!wrongType.isEmpty()) {
            throw ApiException.badRequest(prefix + String.join(", ", wrongType));
        }
        if (unknown.isEmpty() || mode == Mode.IGNORE) {
            return List.of();
        }
        List<String> messages = unknown.stream().map(f -> "unknown field \"" + f + "\"").toList();
        if (mode == Mode.STRICT) {
            throw ApiException.badRequest(prefix + "strict decoding error: " + String.join(", ", messages));
        }
        return messages;
    }

    private static void walk(JsonNode node, SchemaNode schema, String path, List<String> unknown, List<String> wrongType) {
        if (node == null || node.isNull() || schema == null || schema.freeForm() || schema.type().isEmpty()) {
            return;
        }
        switch (schema.type()) {
            case "object" -> {
                if (!node.isObject()) {
                    wrongType.add(typeError(path, "object", node));
                    return;
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String child = schema.isMap() ? path + "[" + e.getKey() + "]" : join(path, e.getKey());
                    SchemaNode childSchema = schema.field(e.getKey());
                    if (childSchema == null) {
                        unknown.add(child);
                    } else {
                        walk(e.getValue(), childSchema, child, unknown, wrongType);
                    }
                }
            }
            case "array" -> {
                if (!node.isArray()) {
                    wrongType.add(typeError(path, "array", node));
                    return;
                }
                for (int i = 0; i < node.size(); i++) {
                    walk(node.get(i), schema.items(), path + "[" + i + "]", unknown, wrongType);
                }
            }
            case "string" -> {
                // Quantities may be written as JSON numbers (cpu: 1); the apiserver accepts both.
                boolean quantity = PodSchema.QUANTITY.equals(schema.component());
                if (!node.isTextual() && !(quantity && node.isNumber())) {
                    wrongType.add(typeError(path, "string", node));
                }
            }
            case "integer" -> {
                if (!node.isIntegralNumber()) {
                    wrongType.add(typeError(path, "integer", node));
                }
            }
            case "boolean" -> {
                if (!node.isBoolean()) {
                    wrongType.add(typeError(path, "boolean", node));
                }
            }
            default -> throw new IllegalStateException("unknown schema type " + schema.type());
        }
    }

    private static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    private static String typeError(String path, String expected, JsonNode got) {
        return "json: cannot unmarshal " + jsonType(got) + " into field " + (path.isEmpty() ? "(root)" : path)
                + " of type " + expected;
    }

    private static String jsonType(JsonNode n) {
        if (n.isObject()) return "object";
        if (n.isArray()) return "array";
        if (n.isTextual()) return "string";
        if (n.isBoolean()) return "bool";
        if (n.isNumber()) return "number";
        return n.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
