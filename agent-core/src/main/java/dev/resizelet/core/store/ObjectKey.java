package dev.resizelet.core.store;

import static java.util.Objects.requireNonNull;

/** Namespace and name: how the API addresses a pod. */
public record ObjectKey(String namespace, String name) implements Comparable<ObjectKey> {
    public ObjectKey {
        requireNonNull(namespace, "namespace");
        requireNonNull(name, "name");
    }

    @Override
    public int compareTo(ObjectKey o) {
        int c = namespace.compareTo(o.namespace);
        return c != 0 ? c : name.compareTo(o.name);
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
