package dev.resizelet.core.checkpoint;

import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.PodUid;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A store that keeps nothing across restarts of the JVM: for tests and embedding without a disk. */
public final class InMemoryPodResourcesStore implements PodResourcesStore {

    private final Map<PodUid, PodResources> saved = new ConcurrentHashMap<>();

    @Override
    public Map<PodUid, PodResources> loadAll() {
        return Map.copyOf(saved);
    }

    @Override
    public void save(PodResources resources) {
        saved.put(resources.uid(), resources);
    }

    @Override
    public void remove(PodUid uid) {
        saved.remove(uid);
    }
}
