package dev.resizelet.agent.http;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * An API error that becomes a Kubernetes {@code kind: Status} response. The codes, reasons and message
 * wording follow the apiserver's {@code k8s.io/apimachinery/pkg/api/errors}, because kubectl prints them.
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** One {@code details.causes[]} entry; kubectl prints {@code field: message} for each. */
    public record Cause(String reason, String message, String field) {
        public Cause {
            requireNonNull(reason, "reason");
            requireNonNull(message, "message");
            requireNonNull(field, "field");
        }
    }

    private final int code;
    private final String reason;
    private final String detailsKind;
    private final String detailsName;
    private final List<Cause> causes;

    public ApiException(int code, String reason, String message, String detailsKind, String detailsName, List<Cause> causes) {
        super(requireNonNull(message, "message"));
        this.code = code;
        this.reason = requireNonNull(reason, "reason");
        this.detailsKind = detailsKind;
        this.detailsName = detailsName;
        this.causes = List.copyOf(causes);
    }

    public int code() { return code; }
    public String reason() { return reason; }
    public String detailsKind() { return detailsKind; }
    public String detailsName() { return detailsName; }
    public List<Cause> causes() { return causes; }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "BadRequest", message, null, null, List.of());
    }

    /** What the apiserver answers a request it cannot authenticate (kubectl: "You must be logged in to the server"). */
    public static ApiException unauthorized() {
        return new ApiException(401, "Unauthorized", "Unauthorized", null, null, List.of());
    }

    /**
     * 403 as the apiserver's authorization filter answers it ({@code apierrors.NewForbidden}):
     * {@code pods "web" is forbidden: <why>}, {@code pods is forbidden: <why>} without a name,
     * {@code forbidden: <why>} for a path that is no resource.
     *
     * @param resource the resource, with {@code .group} when the group is not the core one; empty for a path
     */
    public static ApiException forbidden(String resource, String name, String why) {
        String message = resource.isEmpty() ? "forbidden: " + why
                : name.isEmpty() ? resource + " is forbidden: " + why
                : resource + " \"" + name + "\" is forbidden: " + why;
        return new ApiException(403, "Forbidden", message, resource.isEmpty() ? null : resource,
                name.isEmpty() ? null : name, List.of());
    }

    public static ApiException notFound(String resource, String name) {
        return new ApiException(404, "NotFound", resource + " \"" + name + "\" not found", resource, name, List.of());
    }

    public static ApiException pathNotFound(String path) {
        return new ApiException(404, "NotFound", "the server could not find the requested resource (path " + path + ")",
                null, null, List.of());
    }

    public static ApiException alreadyExists(String resource, String name) {
        return new ApiException(409, "AlreadyExists", resource + " \"" + name + "\" already exists", resource, name, List.of());
    }

    public static ApiException conflict(String resource, String name) {
        return new ApiException(409, "Conflict", "Operation cannot be fulfilled on " + resource + " \"" + name
                + "\": the object has been modified; please apply your changes to the latest version and try again",
                resource, name, List.of());
    }

    public static ApiException gone(String message) {
        return new ApiException(410, "Expired", message, null, null, List.of());
    }

    public static ApiException methodNotAllowed(String method, String path) {
        return new ApiException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource ("
                + method + " " + path + ")", null, null, List.of());
    }

    public static ApiException tooLarge(long limit) {
        return new ApiException(413, "RequestEntityTooLarge", "Request entity too large: limit is " + limit, null, null, List.of());
    }

    public static ApiException unsupportedMediaType(String contentType, List<String> accepted) {
        return new ApiException(415, "UnsupportedMediaType", "the body of the request was in an unknown format ("
                + (contentType == null ? "no Content-Type" : contentType) + ") - accepted media types include: "
                + String.join(", ", accepted), null, null, List.of());
    }

    /**
     * 422 with the apiserver's message: {@code Pod "x" is invalid: <field>: <message>} for one cause,
     * {@code Pod "x" is invalid: [a, b]} for several.
     */
    public static ApiException invalid(String kind, String name, List<Cause> causes) {
        if (causes.isEmpty()) {
            throw new IllegalArgumentException("an Invalid error needs at least one cause");
        }
        List<String> parts = causes.stream().map(c -> c.field().isEmpty() ? c.message() : c.field() + ": " + c.message()).toList();
        String joined = parts.size() == 1 ? parts.get(0) : "[" + String.join(", ", parts) + "]";
        return new ApiException(422, "Invalid", kind + " \"" + name + "\" is invalid: " + joined, kind, name, causes);
    }

    public static ApiException internal(String message) {
        return new ApiException(500, "InternalError", "Internal error occurred: " + message, null, null, List.of());
    }

    public static ApiException unavailable(String message) {
        return new ApiException(503, "ServiceUnavailable", message, null, null, List.of());
    }
}
