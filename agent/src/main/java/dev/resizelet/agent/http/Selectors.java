package dev.resizelet.agent.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * {@code fieldSelector} (pods: metadata.name, metadata.namespace, status.phase, spec.nodeName; events: involvedObject.*,
 * reason, type, ...; with =, ==, !=) and
 * {@code labelSelector} (equality: k=v, k==v, k!=v; existence: k, !k; sets: k in (a,b), k notin (a,b)).
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

    public static Predicate<JsonNode> labels(String selector) {
        Predicate<JsonNode> all = p -> true;
        if (selector == null || selector.isBlank()) {
            return all;
        }
        for (String term : splitTerms(selector)) {
            all = all.and(labelTerm(term.trim()));
        }
        return all;
    }

    private static List<String> splitTerms(String selector) {
        List<String> terms = new ArrayList<>();
        int depth = 0;
        StringBuilder current = new StringBuilder();
        for (char c : selector.toCharArray()) {
            if (c == '(') depth++;
            if (c == ')') depth--;
            if (c == ',' && depth == 0) {
                terms.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        terms.add(current.toString());
        return terms;
    }

    private static Predicate<JsonNode> labelTerm(String t) {
        java.util.regex.Matcher set = java.util.regex.Pattern.compile("^([^\\s!=]+)\\s+(in|notin)\\s+\\(([^)]*)\\)$").matcher(t);
        if (set.matches()) {
            String key = set.group(1);
            List<String> values = List.of(set.group(3).split("\\s*,\\s*"));
            boolean in = set.group(2).equals("in");
            return pod -> {
                JsonNode v = pod.path("metadata").path("labels").get(key);
                boolean member = v != null && values.contains(v.asText());
                return in == member;
            };
        }
        if (t.startsWith("!")) {
            String key = t.substring(1).trim();
            return pod -> !pod.path("metadata").path("labels").has(key);
        }
        boolean negate = t.contains("!=");
        String[] kv = negate ? t.split("!=", 2) : t.contains("==") ? t.split("==", 2) : t.split("=", 2);
        if (kv.length == 1) {
            String key = kv[0].trim();
            if (key.isEmpty()) {
                throw ApiException.badRequest("invalid label selector term \"" + t + "\"");
            }
            return pod -> pod.path("metadata").path("labels").has(key);
        }
        String key = kv[0].trim();
        String value = kv[1].trim();
        Predicate<JsonNode> p = pod -> value.equals(pod.path("metadata").path("labels").path(key).asText(null));
        return negate ? p.negate() : p;
    }
}
