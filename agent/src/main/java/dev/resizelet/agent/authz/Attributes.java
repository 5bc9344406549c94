package dev.resizelet.agent.authz;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What a request asks to do, in the apiserver's authorization terms ({@code authorizer.Attributes}, filled in by its
 * {@code RequestInfoFactory}): for a resource request the verb ({@code get}, {@code list}, {@code watch},
 * {@code create}, {@code update}, {@code patch}, {@code delete}, {@code deletecollection}), API group and version,
 * namespace, resource, subresource and name; for any other path ({@code /healthz}, {@code /metrics}, {@code /api},
 * {@code /openapi/v2}) the lower-cased HTTP method and the path.
 *
 * @param path the request's (decoded) URL path
 */
public record Attributes(UserInfo user, String verb, String path, boolean resourceRequest, String apiGroup,
                         String apiVersion, String namespace, String resource, String subresource, String name) {

    private static final Set<String> API_PREFIXES = Set.of("api", "apis");
    private static final Set<String> GROUPLESS_PREFIXES = Set.of("api");
    /** Namespace subresources: {@code /namespaces/x/status} is the namespace's status, not a resource named status. */
    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

    public Attributes {
        requireNonNull(user, "user");
        requireNonNull(verb, "verb");
        requireNonNull(path, "path");
        requireNonNull(apiGroup, "apiGroup");
        requireNonNull(apiVersion, "apiVersion");
        requireNonNull(namespace, "namespace");
        requireNonNull(resource, "resource");
        requireNonNull(subresource, "subresource");
        requireNonNull(name, "name");
    }

    /** A non-resource request: {@code verb} is the lower-cased HTTP method. */
    public static Attributes nonResource(UserInfo user, String verb, String path) {
        return new Attributes(user, verb, path, false, "", "", "", "", "", "");
    }

    /**
     * The attributes of a request, as the apiserver's {@code RequestInfoFactory.NewRequestInfo} derives them.
     *
     * @param query the query parameters (only {@code watch} is read)
     */
    public static Attributes of(UserInfo user, String method, String path, Map<String, String> query) {
        String httpVerb = method.toLowerCase(Locale.ROOT);
        List<String> parts = split(path);
        if (parts.size() < 3 || !API_PREFIXES.contains(parts.get(0))) {
            return nonResource(user, httpVerb, path);
        }
        String prefix = parts.get(0);
        parts = parts.subList(1, parts.size());
        String group = "";
        if (!GROUPLESS_PREFIXES.contains(prefix)) {
            if (parts.size() < 3) {
                return nonResource(user, httpVerb, path);
            }
            group = parts.get(0);
            parts = parts.subList(1, parts.size());
        }
        String version = parts.get(0);
        parts = parts.subList(1, parts.size());
        String verb;
        if (parts.get(0).equals("watch") && parts.size() >= 2) {
            verb = "watch";
            parts = parts.subList(1, parts.size());
        } else if (parts.get(0).equals("watch")) {
            return new Attributes(user, "", path, true, group, version, "", "", "", ""); // the apiserver: an error
        } else {
            verb = switch (method.toUpperCase(Locale.ROOT)) {
                case "POST" -> "create";
                case "GET", "HEAD" -> "get";
                case "PUT" -> "update";
                case "PATCH" -> "patch";
                case "DELETE" -> "delete";
                default -> "";
            };
        }
        String namespace = "";
        if (parts.get(0).equals("namespaces") && parts.size() > 1) {
            namespace = parts.get(1);
            if (parts.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(parts.get(2))) {
                parts = parts.subList(2, parts.size());
            }
        }
        String resource = parts.get(0);
        String name = parts.size() >= 2 ? parts.get(1) : "";
        String subresource = parts.size() >= 3 ? parts.get(2) : "";
        if (name.isEmpty() && verb.equals("get")) {
            String watch = query.get("watch");
            if (watch == null) {
                verb = "list";
            } else {
                String w = watch.toLowerCase(Locale.ROOT);
                verb = w.equals("false") || w.equals("0") ? "list" : "watch";
            }
        }
        if (name.isEmpty() && verb.equals("delete")) {
            verb = "deletecollection";
        }
        return new Attributes(user, verb, path, true, group, version, namespace, resource, subresource, name);
    }

    /** {@code get}, {@code list} and {@code watch} only read (the apiserver's {@code IsReadOnly}). */
    public boolean readOnly() {
        return verb.equals("get") || verb.equals("list") || verb.equals("watch");
    }

    /**
     * The apiserver's words for a refusal ({@code responsewriters.forbiddenMessage}):
     * {@code User "alice" cannot patch resource "pods/resize" in API group "" in the namespace "default"},
     * {@code ... at the cluster scope}, or {@code User "alice" cannot get path "/metrics"}.
     */
    public String forbiddenMessage() {
        if (!resourceRequest) {
            return "User " + quote(user.name()) + " cannot " + verb + " path " + quote(path);
        }
        String r = subresource.isEmpty() ? resource : resource + "/" + subresource;
        String scope = namespace.isEmpty() ? "at the cluster scope" : "in the namespace " + quote(namespace);
        return "User " + quote(user.name()) + " cannot " + verb + " resource " + quote(r) + " in API group "
                + quote(apiGroup) + " " + scope;
    }

    /** Go's {@code %q} for the strings that appear here: backslash and double quote escaped. */
    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        String trimmed = path;
        while (trimmed.startsWith("/")) {
            trimmed = trimmed.substring(1);
        }
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        if (trimmed.isEmpty()) {
            return out;
        }
        for (String s : trimmed.split("/", -1)) {
            out.add(s);
        }
        return out;
    }
}
