package dev.resizelet.core.validation;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One validation failure, rendered like apimachinery's {@code field.Error}:
 * {@code spec.containers[0].resources.requests: Forbidden: resource requests cannot be removed}.
 * For a 422 Status: {@code details.causes[] = {reason: type.causeReason(), message: body(), field: field}}.
 *
 * @param badValue a String (printed quoted), a Number or Boolean (printed plain), or null when omitted
 */
public record FieldError(String field, ErrorType type, Object badValue, String detail) {

    public FieldError {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(type, "type");
        detail = detail == null ? "" : detail;
    }

    public static FieldError invalid(FieldPath path, Object value, String detail) {
        return new FieldError(path.text(), ErrorType.INVALID, value, detail);
    }

    public static FieldError forbidden(FieldPath path, String detail) {
        return new FieldError(path.text(), ErrorType.FORBIDDEN, null, detail);
    }

    public static FieldError required(FieldPath path, String detail) {
        return new FieldError(path.text(), ErrorType.REQUIRED, null, detail);
    }

    public static FieldError duplicate(FieldPath path, Object value) {
        return new FieldError(path.text(), ErrorType.DUPLICATE, value, "");
    }

    public static FieldError notSupported(FieldPath path, Object value, List<String> supported) {
        String detail = supported.isEmpty() ? "" : "supported values: "
                + supported.stream().map(FieldError::quote).collect(Collectors.joining(", "));
        return new FieldError(path.text(), ErrorType.NOT_SUPPORTED, value, detail);
    }

    /** The message without the field, as in {@code details.causes[].message}. */
    public String body() {
        StringBuilder s = new StringBuilder(type.text());
        if (!type.omitsValue()) {
            s.append(": ").append(renderValue(badValue));
        }
        if (!detail.isEmpty()) {
            s.append(": ").append(detail);
        }
        return s.toString();
    }

    @Override
    public String toString() {
        return field + ": " + body();
    }

    /**
     * The top-level Status message for these errors, e.g.
     * {@code Pod "web" is invalid: spec: Forbidden: only cpu and memory resources are mutable}.
     */
    public static String statusMessage(String kind, String name, List<FieldError> errors) {
        String joined = errors.size() == 1 ? errors.get(0).toString()
                : errors.stream().map(FieldError::toString).collect(Collectors.joining(", ", "[", "]"));
        return kind + " \"" + name + "\" is invalid: " + joined;
    }

    private static String renderValue(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        return quote(v.toString());
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
