package dev.resizelet.core.api;

import static java.util.Objects.requireNonNull;

/** A change seen by a watch, in resourceVersion order. */
public record PodEvent(Type type, PodView pod) {
    public enum Type { ADDED, MODIFIED, DELETED }

    public PodEvent {
        requireNonNull(type, "type");
        requireNonNull(pod, "pod");
    }
}
