package dev.resizelet.agent.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * One watch's view of the objects through its label and field selectors, as the apiserver's watch cache computes it
 * from an event's object and the previous one: an object that starts matching is {@code ADDED} for the watcher, one
 * that stops matching is {@code DELETED} (carrying its new state), one that matches before and after is
 * {@code MODIFIED}, and one that never matched is not sent. Watch thread only.
 */
final class SelectorView {
    private final Predicate<JsonNode> filter;
    private final Set<String> visible = new HashSet<>();

    SelectorView(Predicate<JsonNode> filter) {
        this.filter = filter;
    }

    /** The object as the watcher last knew it (before its first event). */
    void seen(JsonNode object) {
        if (filter.test(object)) {
            visible.add(key(object));
        }
    }

    /** The event type this watcher gets for a store event of {@code type}, or null when it gets none. */
    String typeFor(String type, JsonNode object) {
        String key = key(object);
        boolean before = visible.contains(key);
        boolean now = filter.test(object);
        if (type.equals("DELETED")) {
            visible.remove(key);
            return before || now ? "DELETED" : null;
        }
        if (now) {
            visible.add(key);
            return before && !type.equals("ADDED") ? "MODIFIED" : "ADDED";
        }
        visible.remove(key);
        return before ? "DELETED" : null;
    }

    private static String key(JsonNode object) {
        JsonNode meta = object.path("metadata");
        return meta.path("namespace").asText() + "/" + meta.path("name").asText();
    }
}
