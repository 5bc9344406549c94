package dev.resizelet.core.store;

import static java.util.Objects.requireNonNull;

/** A change to the store, delivered to watchers in resourceVersion order. */
public record StoreEvent<T, S>(Type type, StoredObject<T, S> object) {
    public enum Type { ADDED, MODIFIED, DELETED }

    public StoreEvent {
        requireNonNull(type, "type");
        requireNonNull(object, "object");
    }
}
