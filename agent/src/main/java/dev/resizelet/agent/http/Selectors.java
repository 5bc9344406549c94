package dev.resizelet.agent.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * {@code fieldSelector} (pods: metadata.name, metadata.namespace, status.phase, spec.nodeName; events: involvedObject.*,
 * reason, type, ...; with =, ==, !=) and
 * {@code labelSelector} ({@link LabelSelector}: equality k=v, k==v, k!=v; existence k, !k; sets k in (a,b),
 * k notin (a,b)).
 */
public final class Selectors {
    private Selectors() {}

    private static final Map<String, String> POD_FIELDS = fieldMap("metadata.name", "metadata.namespace", "spec.nodeName",
            "status.phase");
    private static final Map<String, String> EVENT_FIELDS = fieldMap("metadata.name", "metadata.namespace",
            "involvedObject.apiVersion", "involvedObject.kind", "involvedObject.name", "involvedObject.namespace",
            "involvedObject.uid", "involvedObject.fieldPath", "involvedObject.resourceVersion", "reason", "type",
            "source", "reportingComponent");

    private static Map<String, String> fieldMap(String... fields) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String f : fields) {
            out.put(f, f.equals("source") ? "/source/component" : "/" + f.replace('.', '/'));
        }
        return out;
    }

    /** A pod {@code fieldSelector}. */
    public static Predicate<JsonNode> fields(String selector) {
        return fields(selector, POD_FIELDS);
    }

    /** An event {@code fieldSelector}, e.g. kubectl describe's {@code involvedObject.name=x,involvedObject.uid=...}. */
    public static Predicate<JsonNode> eventFields(String selector) {
        return fields(selector, EVENT_FIELDS);
    }

    private static Predicate<JsonNode> fields(String selector, Map<String, String> known) {
        Predicate<JsonNode> all = p -> true;
        if (selector == null || selector.isBlank()) {
            return all;
        }
        for (String term : selector.split(",")) {
            String t = term.trim();
            boolean negate = t.contains("!=");
            String[] kv = negate ? t.split("!=", 2) : t.contains("==") ? t.split("==", 2) : t.split("=", 2);
            if (kv.length != 2) {
                throw ApiException.badRequest("invalid field selector term \"" + t + "\": expected field=value");
            }
            String field = kv[0].trim();
            String value = kv[1].trim();
            String pointer = known.get(field);
            if (pointer == null) {
                throw ApiException.badRequest("\"" + field + "\" is not a known field selector: only "
                        + known.keySet().stream().map(k -> "\"" + k + "\"").collect(Collectors.joining(", ")));
            }
            Predicate<JsonNode> p = object -> value.equals(object.at(pointer).asText(""));
            all = all.and(negate ? p.negate() : p);
        }
        return all;
    }

    /**
     * A {@code labelSelector} over objects' {@code metadata.labels}, parsed as the apiserver parses it; one that
     * does not parse is a 400 with the apiserver's message.
     */
    public static Predicate<JsonNode> labels(String selector) {
        LabelSelector parsed;
        try {
            parsed = LabelSelector.parse(selector);
        } catch (LabelSelector.SelectorException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        if (parsed.isEmpty()) {
            return object -> true;
        }
        return object -> parsed.matches(labelsOf(object));
    }

    private static Map<String, String> labelsOf(JsonNode object) {
        Map<String, String> labels = new LinkedHashMap<>();
        object.path("metadata").path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return labels;
    }
}
