package dev.resizelet.core.store;

import static java.util.Objects.requireNonNull;

/** Namespace and name: how the API addresses a pod. */
public record ObjectKey(String namespace, String name) implements Comparable<ObjectKey> {
    public ObjectKey {
        requireNonNull(namespace, "namespace");
        requireNonNull(name, "name");
    }

    // written out rather than generated: cheap before the JIT compiled anything (a restart keys 10,000s of objects)
    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof ObjectKey k && namespace.equals(k.namespace) && name.equals(k.name);
    }

    @Override
    public int hashCode() {
        return 31 * namespace.hashCode() + name.hashCode();
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
