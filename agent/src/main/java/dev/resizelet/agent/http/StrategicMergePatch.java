package dev.resizelet.agent.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Strategic merge patch ({@code application/strategic-merge-patch+json}) as the apiserver applies it to a Pod:
 * maps merge recursively, {@code null} deletes a field, lists whose schema has a merge key (containers by
 * {@code name}, env by {@code name}, ...: upstream's {@code x-kubernetes-patch-merge-key}, see {@link PodSchema}) merge
 * element by element, other lists (resizePolicy, args, ...) are replaced.
 * Directives: {@code $patch: replace|delete|merge} in maps and list elements, {@code $retainKeys},
 * {@code $setElementOrder/<list>} and {@code $deleteFromPrimitiveList/<list>}.
 */
public final class StrategicMergePatch {
    private static final String PATCH = "$patch";
    private static final String RETAIN_KEYS = "$retainKeys";
    private static final String ORDER = "$setElementOrder/";
    private static final String DELETE_PRIMITIVE = "$deleteFromPrimitiveList/";

    private StrategicMergePatch() {}

    /** Returns a new document; {@code original} and {@code patch} are not modified. */
    public static ObjectNode apply(ObjectNode original, JsonNode patch, SchemaNode schema) {
        if (!patch.isObject()) {
            throw ApiException.badRequest("strategic merge patch must be a JSON object, got " + patch.getNodeType());
        }
        JsonNode merged = mergeObject(original.deepCopy(), (ObjectNode) patch, schema);
        if (merged == null || !merged.isObject()) {
            throw ApiException.badRequest("the patch deletes the whole object");
        }
        return (ObjectNode) merged;
    }

    private static JsonNode mergeObject(ObjectNode target, ObjectNode patch, SchemaNode schema) {
        JsonNode directive = patch.get(PATCH);
        if (directive != null) {
            String d = directive.asText();
            switch (d) {
                case "delete" -> {
                    return null;
                }
                case "replace" -> {
                    return strip(patch, schema);
                }
                case "merge" -> { }
                default -> throw ApiException.badRequest("unknown patch type: " + d + " in map");
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (key.equals(PATCH) || key.equals(RETAIN_KEYS) || key.startsWith(ORDER)) {
                continue;
            }
            if (key.startsWith(DELETE_PRIMITIVE)) {
                String list = key.substring(DELETE_PRIMITIVE.length());
                JsonNode current = target.get(list);
                if (current != null && current.isArray() && value.isArray()) {
                    ArrayNode kept = JsonNodeFactory.instance.arrayNode();
                    Set<JsonNode> remove = new LinkedHashSet<>();
                    value.forEach(remove::add);
                    current.forEach(v -> { if (!remove.contains(v)) kept.add(v); });
                    target.set(list, kept);
                }
                continue;
            }
            SchemaNode child = schema == null ? null : schema.field(key);
            JsonNode current = target.get(key);
            if (value.isNull()) {
                target.remove(key);
            } else if (value.isObject() && current != null && current.isObject()) {
                JsonNode merged = mergeObject((ObjectNode) current, (ObjectNode) value, child);
                if (merged == null) {
                    target.remove(key);
                } else {
                    target.set(key, merged);
                }
            } else if (value.isArray() && child != null && child.mergeList()) {
                target.set(key, mergeList(current != null && current.isArray() ? (ArrayNode) current : null,
                        (ArrayNode) value, child));
            } else if (value.isObject()) {
                JsonNode fresh = strip((ObjectNode) value, child);
                if (fresh == null) {
                    target.remove(key);
                } else {
                    target.set(key, fresh);
                }
            } else {
                target.set(key, value.deepCopy());
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().startsWith(ORDER)) {
                String list = e.getKey().substring(ORDER.length());
                SchemaNode child = schema == null ? null : schema.field(list);
                JsonNode current = target.get(list);
                if (current != null && current.isArray() && e.getValue().isArray()) {
                    target.set(list, reorder((ArrayNode) current, (ArrayNode) e.getValue(), child == null ? null : child.mergeKey()));
                }
            }
        }
        JsonNode retain = patch.get(RETAIN_KEYS);
        if (retain != null && retain.isArray()) {
            Set<String> keep = new LinkedHashSet<>();
            retain.forEach(k -> keep.add(k.asText()));
            target.retain(keep);
        }
        return target;
    }

    private static ArrayNode mergeList(ArrayNode current, ArrayNode patch, SchemaNode schema) {
        String key = schema.mergeKey();
        SchemaNode items = schema.items();
        for (JsonNode element : patch) {
            if (element.isObject() && "replace".equals(element.path(PATCH).asText())) {
                ArrayNode replaced = JsonNodeFactory.instance.arrayNode();
                for (JsonNode other : patch) {
                    if (other != element) {
                        replaced.add(other.isObject() ? strip((ObjectNode) other, items) : other.deepCopy());
                    }
                }
                return replaced;
            }
        }
        ArrayNode result = current == null ? JsonNodeFactory.instance.arrayNode() : current.deepCopy();
        if (key == null) {
            // a set of scalars: union, keeping the existing order
            Set<JsonNode> present = new LinkedHashSet<>();
            result.forEach(present::add);
            for (JsonNode element : patch) {
                if (present.add(element)) {
                    result.add(element.deepCopy());
                }
            }
            return result;
        }
        for (JsonNode element : patch) {
            if (!element.isObject() || !element.hasNonNull(key)) {
                throw ApiException.badRequest("map: " + element + " does not contain declared merge key: " + key);
            }
            JsonNode id = element.get(key);
            int index = indexOf(result, key, id);
            if ("delete".equals(element.path(PATCH).asText())) {
                if (index >= 0) {
                    result.remove(index);
                }
            } else if (index >= 0) {
                JsonNode merged = mergeObject((ObjectNode) result.get(index), (ObjectNode) element, items);
                if (merged == null) {
                    result.remove(index);
                } else {
                    result.set(index, merged);
                }
            } else {
                JsonNode fresh = strip((ObjectNode) element, items);
                if (fresh != null) {
                    result.add(fresh);
                }
            }
        }
        return result;
    }

    private static int indexOf(ArrayNode list, String key, JsonNode id) {
        for (int i = 0; i < list.size(); i++) {
            if (id.equals(list.get(i).get(key))) {
                return i;
            }
        }
        return -1;
    }

    private static ArrayNode reorder(ArrayNode current, ArrayNode order, String key) {
        List<JsonNode> remaining = new ArrayList<>();
        current.forEach(remaining::add);
        ArrayNode result = JsonNodeFactory.instance.arrayNode();
        for (JsonNode wanted : order) {
            JsonNode id = key != null && wanted.isObject() ? wanted.get(key) : wanted;
            for (Iterator<JsonNode> it = remaining.iterator(); it.hasNext(); ) {
                JsonNode candidate = it.next();
                JsonNode candidateId = key != null && candidate.isObject() ? candidate.get(key) : candidate;
                if (id != null && id.equals(candidateId)) {
                    result.add(candidate);
                    it.remove();
                    break;
                }
            }
        }
        remaining.forEach(result::add);
        return result;
    }

    /** A patch value inserted where nothing existed: directives removed, nulls dropped. */
    private static JsonNode strip(ObjectNode value, SchemaNode schema) {
        if ("delete".equals(value.path(PATCH).asText())) {
            return null;
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (key.startsWith("$") || e.getValue().isNull()) {
                continue;
            }
            SchemaNode child = schema == null ? null : schema.field(key);
            JsonNode v = e.getValue();
            if (v.isObject()) {
                JsonNode s = strip((ObjectNode) v, child);
                if (s != null) {
                    out.set(key, s);
                }
            } else if (v.isArray() && child != null && child.mergeList()) {
                out.set(key, mergeList(null, (ArrayNode) v, child));
            } else {
                out.set(key, v.deepCopy());
            }
        }
        return out;
    }
}
