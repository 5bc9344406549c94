package dev.resizelet.core.enact;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** An {@link ActuatedStore} that lives as long as the process (the agent's memory-only mode). */
public final class InMemoryActuatedStore implements ActuatedStore {
    private final Map<String, Map<String, ResourceValues>> pods = new ConcurrentHashMap<>();

    @Override
    public Map<String, ResourceValues> get(String podUid) {
        Map<String, ResourceValues> m = pods.get(podUid);
        return m == null ? Map.of() : Map.copyOf(m);
    }

    @Override
    public void put(String podUid, String container, ResourceValues values) {
        pods.compute(podUid, (k, old) -> {
            Map<String, ResourceValues> next = old == null ? new TreeMap<>() : new TreeMap<>(old);
            next.put(container, values);
            return next;
        });
    }

    @Override
    public void remove(String podUid) {
        pods.remove(podUid);
    }
}
