package dev.resizelet.core.validation;

import static java.util.Objects.requireNonNull;

/**
 * A field path rendered like apimachinery's {@code field.Path}: {@code spec.containers[0].resources}.
 *
 * <p>A path is a parent and one step, and its text is built only when asked for: validation walks every field of
 * every pod it checks, and only the paths of fields in error are ever rendered.
 */
public final class FieldPath {
    private final FieldPath parent;   // null at the root
    private final String name;        // a child's name, a key, or the root's name; null for an index
    private final int index;          // an index step's index
    private final byte kind;
    private String text;              // rendered once, on demand

    private static final byte ROOT = 0;
    private static final byte CHILD = 1;
    private static final byte INDEX = 2;
    private static final byte KEY = 3;

    private FieldPath(FieldPath parent, byte kind, String name, int index) {
        this.parent = parent;
        this.kind = kind;
        this.name = name;
        this.index = index;
    }

    public static FieldPath root(String name) {
        return new FieldPath(null, ROOT, requireNonNull(name, "name"), 0);
    }

    public FieldPath child(String name) {
        return new FieldPath(this, CHILD, requireNonNull(name, "name"), 0);
    }

    public FieldPath index(int i) {
        return new FieldPath(this, INDEX, null, i);
    }

    public FieldPath key(String k) {
        return new FieldPath(this, KEY, requireNonNull(k, "key"), 0);
    }

    /** The rendered path. */
    public String text() {
        String t = text;
        if (t == null) {
            t = render(new StringBuilder()).toString();
            text = t;
        }
        return t;
    }

    private StringBuilder render(StringBuilder out) {
        if (parent != null) {
            parent.render(out);
        }
        switch (kind) {
            case CHILD -> out.append(out.length() == 0 ? "" : ".").append(name);
            case INDEX -> out.append('[').append(index).append(']');
            case KEY -> out.append('[').append(name).append(']');
            default -> out.append(name);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldPath other && text().equals(other.text());
    }

    @Override
    public int hashCode() {
        return text().hashCode();
    }

    @Override
    public String toString() {
        return text();
    }
}
