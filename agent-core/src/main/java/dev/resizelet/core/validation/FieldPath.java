package dev.resizelet.core.validation;

/** A field path rendered like apimachinery's {@code field.Path}: {@code spec.containers[0].resources}. */
public record FieldPath(String text) {

    public static FieldPath root(String name) {
        return new FieldPath(name);
    }

    public FieldPath child(String name) {
        return new FieldPath(text.isEmpty() ? name : text + "." + name);
    }

    public FieldPath index(int i) {
        return new FieldPath(text + "[" + i + "]");
    }

    public FieldPath key(String k) {
        return new FieldPath(text + "[" + k + "]");
    }

    @Override
    public String toString() {
        return text;
    }
}
