package dev.resizelet.core.store;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * One object in the store: the durable part (uid, spec, generation, creation time) and the
 * in-memory status that its owner recomputes after a restart.
 *
 * @param resourceVersion bumped on every change, spec or status; strictly increasing across restarts
 * @param generation bumped on every spec change
 */
public record StoredObject<T, S>(ObjectKey key, String uid, T spec, S status, long generation,
                                 long resourceVersion, Instant creationTimestamp) {
    public StoredObject {
        requireNonNull(key, "key");
        requireNonNull(uid, "uid");
        requireNonNull(spec, "spec");
        requireNonNull(creationTimestamp, "creationTimestamp");
    }

    StoredObject<T, S> withSpec(T newSpec, long rv) {
        return new StoredObject<>(key, uid, newSpec, status, generation + 1, rv, creationTimestamp);
    }

    StoredObject<T, S> withStatus(S newStatus, long rv) {
        return new StoredObject<>(key, uid, spec, newStatus, generation, rv, creationTimestamp);
    }

    StoredObject<T, S> withResourceVersion(long rv) {
        return new StoredObject<>(key, uid, spec, status, generation, rv, creationTimestamp);
    }
}
