package dev.resizelet.core.model;

import java.util.Objects;

/**
 * A pod's UID. It becomes a cgroup directory name ({@code pod<uid>}) and a checkpoint file name,
 * so only {@code [A-Za-z0-9._-]}, at most 128 characters, not starting with '.', no "..".
 */
public record PodUid(String value) implements Comparable<PodUid> {

    private static final int MAX_LENGTH = 128;

    public PodUid {
        Objects.requireNonNull(value, "pod uid");
        String problem = SafeNames.uidProblem(value, MAX_LENGTH);
        if (problem != null) {
            throw new IllegalArgumentException("metadata.uid: Invalid value: \"" + SafeNames.printable(value)
                    + "\": " + problem);
        }
    }

    public static PodUid of(String value) {
        return new PodUid(value);
    }

    // written out rather than generated: a restart hashes and compares 10,000s of uids before the JIT has compiled
    // the generated (method-handle) versions, and these read as the plain String calls they are
    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof PodUid other && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public int compareTo(PodUid o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
