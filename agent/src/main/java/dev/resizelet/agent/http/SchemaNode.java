package dev.resizelet.agent.http;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One node of the API schema the agent accepts. The same tree produces the OpenAPI v3 document, drives the
 * server-side unknown-field check ({@code fieldValidation}) and tells strategic merge patch which lists merge
 * by which key, so the three can never disagree.
 *
 * @param type        OpenAPI type: object, array, string, integer, boolean, or "" for anything
 * @param component   component name when this node is emitted as a named schema (e.g. io.k8s.api.core.v1.Pod)
 * @param properties  known fields of an object (empty for maps and free-form objects)
 * @param items       element schema of an array
 * @param values      value schema of a map ({@code additionalProperties}), null if not a map
 * @param freeForm    an object whose content is accepted as is ({@code x-kubernetes-preserve-unknown-fields})
 * @param mergeKey    strategic-merge key of a list of objects ({@code x-kubernetes-patch-merge-key})
 * @param mergeList   the list merges (strategy merge) rather than being replaced
 */
public record SchemaNode(String type, String format, String component, String description,
                         Map<String, SchemaNode> properties, SchemaNode items, SchemaNode values,
                         boolean freeForm, String mergeKey, boolean mergeList) {

    public SchemaNode {
        requireNonNull(type, "type");
        properties = properties == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(properties));
        if (mergeKey != null && !mergeList) {
            throw new IllegalArgumentException("a merge key needs mergeList");
        }
    }

    public static SchemaNode string(String description) {
        return new SchemaNode("string", null, null, description, null, null, null, false, null, false);
    }

    public static SchemaNode integer(String description) {
        return new SchemaNode("integer", "int64", null, description, null, null, null, false, null, false);
    }

    public static SchemaNode bool(String description) {
        return new SchemaNode("boolean", null, null, description, null, null, null, false, null, false);
    }

    public static SchemaNode dateTime(String description) {
        return new SchemaNode("string", "date-time", null, description, null, null, null, false, null, false);
    }

    public static SchemaNode freeObject(String description) {
        return new SchemaNode("object", null, null, description, null, null, null, true, null, false);
    }

    public static SchemaNode map(SchemaNode values, String description) {
        return new SchemaNode("object", null, null, description, null, null, values, false, null, false);
    }

    public static SchemaNode array(SchemaNode items, String description) {
        return new SchemaNode("array", null, null, description, null, items, null, false, null, false);
    }

    /** A list of objects merged by {@code key} under strategic merge patch. */
    public static SchemaNode mergedArray(SchemaNode items, String key, String description) {
        return new SchemaNode("array", null, null, description, null, items, null, false, key, true);
    }

    /** A list of scalars merged as a set under strategic merge patch (e.g. finalizers). */
    public static SchemaNode mergedSet(SchemaNode items, String description) {
        return new SchemaNode("array", null, null, description, null, items, null, false, null, true);
    }

    public static SchemaNode object(String component, String description, Map<String, SchemaNode> properties) {
        return new SchemaNode("object", null, component, description, properties, null, null, false, null, false);
    }

    public boolean isMap() {
        return values != null;
    }

    /** The schema of field {@code name} of this object, or null if unknown. */
    public SchemaNode field(String name) {
        if (freeForm) {
            return null;
        }
        return isMap() ? values : properties.get(name);
    }
}
