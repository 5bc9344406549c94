package dev.resizelet.core.store;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * One object in the store: the durable part (uid, spec, generation, creation time, the deletion mark) and the
 * in-memory status that its owner recomputes after a restart.
 *
 * @param resourceVersion bumped on every change, spec or status; strictly increasing across restarts
 * @param generation bumped on every spec change
 * @param deletion null, or the graceful deletion under way ({@code metadata.deletionTimestamp} and
 *        {@code deletionGracePeriodSeconds}): durable, so that a restart resumes the teardown
 */
public record StoredObject<T, S>(ObjectKey key, String uid, T spec, S status, long generation,
                                 long resourceVersion, Instant creationTimestamp, Deletion deletion) {
    public StoredObject {
        requireNonNull(key, "key");
        requireNonNull(uid, "uid");
        requireNonNull(spec, "spec");
        requireNonNull(creationTimestamp, "creationTimestamp");
    }

    public StoredObject(ObjectKey key, String uid, T spec, S status, long generation, long resourceVersion,
            Instant creationTimestamp) {
        this(key, uid, spec, status, generation, resourceVersion, creationTimestamp, null);
    }

    /**
     * A graceful deletion, as the apiserver records it: {@code timestamp} is when the grace period ends (the request's
     * time plus the period), {@code gracePeriodSeconds} the period.
     */
    public record Deletion(Instant timestamp, long gracePeriodSeconds) {
        public Deletion {
            requireNonNull(timestamp, "timestamp");
            if (gracePeriodSeconds < 0) {
                throw new IllegalArgumentException("gracePeriodSeconds must not be negative, got " + gracePeriodSeconds);
            }
        }
    }

    /** True once a graceful deletion was asked for. */
    public boolean terminating() {
        return deletion != null;
    }

    StoredObject<T, S> withSpec(T newSpec, long rv) {
        return new StoredObject<>(key, uid, newSpec, status, generation + 1, rv, creationTimestamp, deletion);
    }

    /** A new object with the same generation: only its metadata (labels, annotations) changed. */
    StoredObject<T, S> withMetadata(T newSpec, long rv) {
        return new StoredObject<>(key, uid, newSpec, status, generation, rv, creationTimestamp, deletion);
    }

    StoredObject<T, S> withStatus(S newStatus, long rv) {
        return new StoredObject<>(key, uid, spec, newStatus, generation, rv, creationTimestamp, deletion);
    }

    StoredObject<T, S> withResourceVersion(long rv) {
        return new StoredObject<>(key, uid, spec, status, generation, rv, creationTimestamp, deletion);
    }

    StoredObject<T, S> withDeletion(Deletion d, long rv) {
        return new StoredObject<>(key, uid, spec, status, generation, rv, creationTimestamp, d);
    }
}
