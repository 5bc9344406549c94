package dev.resizelet.agent.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A PodService over a map, for testing the HTTP layer alone: resourceVersions, conflicts, watch. */
final class InMemoryPodService implements PodService {
    private final Map<String, ObjectNode> pods = new TreeMap<>();
    private final List<Consumer<WatchEvent>> sinks = new CopyOnWriteArrayList<>();
    private long rv;
    int writes;

    @Override
    public synchronized ObjectNode create(String namespace, ObjectNode pod, boolean dryRun) {
        String name = pod.at("/metadata/name").asText();
        if (pods.containsKey(namespace + "/" + name)) {
            throw ApiException.alreadyExists("pods", name);
        }
        ObjectNode stored = pod.deepCopy();
        stored.with("metadata").put("uid", UUID.randomUUID().toString()).put("resourceVersion", Long.toString(rv + 1))
                .put("creationTimestamp", "2026-01-01T00:00:00Z");
        stored.with("status").put("phase", "Running");
        if (dryRun) {
            return stored;
        }
        rv++;
        writes++;
        pods.put(namespace + "/" + name, stored);
        sinks.forEach(s -> s.accept(new WatchEvent("ADDED", stored.deepCopy())));
        return stored.deepCopy();
    }

    @Override
    public synchronized ObjectNode update(String namespace, String name, ObjectNode pod, Long expected, boolean resize, boolean dryRun) {
        ObjectNode current = pods.get(namespace + "/" + name);
        if (current == null) {
            throw ApiException.notFound("pods", name);
        }
        if (expected != null && expected != Long.parseLong(current.at("/metadata/resourceVersion").asText())) {
            throw ApiException.conflict("pods", name);
        }
        ObjectNode stored = current.deepCopy();
        stored.set("spec", pod.get("spec").deepCopy());
        stored.with("metadata").put("resourceVersion", Long.toString(rv + 1));
        if (dryRun) {
            return stored;
        }
        rv++;
        writes++;
        pods.put(namespace + "/" + name, stored);
        sinks.forEach(s -> s.accept(new WatchEvent("MODIFIED", stored.deepCopy())));
        return stored.deepCopy();
    }

    @Override
    public synchronized Optional<ObjectNode> get(String namespace, String name) {
        return Optional.ofNullable(pods.get(namespace + "/" + name)).map(ObjectNode::deepCopy);
    }

    @Override
    public synchronized PodList list(String namespace) {
        List<ObjectNode> items = new ArrayList<>();
        pods.forEach((k, v) -> { if (namespace == null || k.startsWith(namespace + "/")) items.add(v.deepCopy()); });
        return new PodList(rv, items);
    }

    @Override
    public synchronized ObjectNode delete(String namespace, String name) {
        ObjectNode removed = pods.remove(namespace + "/" + name);
        if (removed == null) {
            throw ApiException.notFound("pods", name);
        }
        rv++;
        writes++;
        removed.with("metadata").put("resourceVersion", Long.toString(rv));
        sinks.forEach(s -> s.accept(new WatchEvent("DELETED", removed.deepCopy())));
        return removed;
    }

    @Override
    public synchronized AutoCloseable watch(String namespace, long since, Consumer<WatchEvent> sink) {
        if (since < rv) {
            throw ApiException.gone("too old resource version: " + since + " (" + rv + ")");
        }
        Consumer<WatchEvent> filtered = e -> {
            if (namespace == null || namespace.equals(e.object().at("/metadata/namespace").asText())) sink.accept(e);
        };
        sinks.add(filtered);
        return () -> sinks.remove(filtered);
    }

    /** What {@link #events} returns; tests add Event objects here. */
    final List<ObjectNode> events = new CopyOnWriteArrayList<>();

    @Override
    public List<ObjectNode> events(String namespace) {
        return events.stream().filter(e -> namespace == null || namespace.equals(e.at("/metadata/namespace").asText())).toList();
    }

    @Override
    public boolean ready() {
        return true;
    }
}
