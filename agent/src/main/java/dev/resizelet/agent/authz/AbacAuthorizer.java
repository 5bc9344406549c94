package dev.resizelet.agent.authz;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --authorization-mode=ABAC}: the apiserver's attribute-based policy file ({@code --authorization-policy-file}),
 * one JSON {@code Policy} object per line; blank lines and lines starting with {@code #} are skipped. A request is
 * allowed when any policy {@linkplain AbacPolicy#matches matches} it, and always for the group {@code system:masters}
 * (the apiserver puts that authorizer in front of every mode). Otherwise: {@code No policy matched.}
 * <p>Lines in the unversioned v0 form (no {@code apiVersion}/{@code kind}) are converted as the apiserver converts them.
 * Unlike the apiserver, which ignores fields it does not know, a line with an unknown field is refused: a misspelt
 * {@code namespace} would otherwise silently change what the line allows.
 */
public final class AbacAuthorizer implements Authorizer {
    public static final String API_VERSION = "abac.authorization.kubernetes.io/v1beta1";
    static final String NO_POLICY_MATCHED = "No policy matched.";
    private static final Set<String> SPEC_FIELDS = Set.of("user", "group", "readonly", "apiGroup", "resource", "namespace",
            "nonResourcePath");
    private static final Set<String> V0_FIELDS = Set.of("user", "group", "readonly", "resource", "namespace");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<AbacPolicy> policies;

    public AbacAuthorizer(List<AbacPolicy> policies) {
        this.policies = List.copyOf(policies);
    }

    public List<AbacPolicy> policies() {
        return policies;
    }

    @Override
    public Decision authorize(Attributes request) {
        if (request.user().inGroup(UserInfo.PRIVILEGED_GROUP)) {
            return Decision.ALLOW;
        }
        for (AbacPolicy p : policies) {
            if (p.matches(request)) {
                return Decision.ALLOW;
            }
        }
        return Decision.noOpinion(NO_POLICY_MATCHED);
    }

    /**
     * Reads a policy file.
     *
     * @throws IllegalArgumentException in the apiserver's words, naming the file and the line:
     *     {@code error reading policy file F, line N: <line>: <what is wrong>}
     */
    public static AbacAuthorizer load(Path file) {
        List<AbacPolicy> out = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int n = 0;
            for (String line; (line = in.readLine()) != null; ) {
                n++;
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                try {
                    out.add(parse(trimmed));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("error reading policy file " + file + ", line " + n + ": " + line
                            + ": " + e.getMessage());
                }
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--authorization-policy-file " + file + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException("error reading policy file " + file + ": " + e.getMessage(), e);
        }
        return new AbacAuthorizer(out);
    }

    /** One policy line; {@link IllegalArgumentException} says what is wrong with it. */
    static AbacPolicy parse(String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON object: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        if (!node.has("apiVersion") && !node.has("kind")) {
            return v0(node);
        }
        String apiVersion = node.path("apiVersion").asText("");
        String kind = node.path("kind").asText("");
        if (!apiVersion.equals(API_VERSION) || !kind.equals("Policy")) {
            throw new IllegalArgumentException("expected apiVersion \"" + API_VERSION + "\" and kind \"Policy\", got \""
                    + apiVersion + "\" and \"" + kind + "\"");
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!Set.of("apiVersion", "kind", "spec").contains(e.getKey())) {
                throw new IllegalArgumentException("unknown field \"" + e.getKey() + "\"");
            }
        }
        JsonNode spec = node.get("spec");
        if (spec == null || !spec.isObject()) {
            throw new IllegalArgumentException("\"spec\" must be an object");
        }
        checkFields(spec, SPEC_FIELDS, "spec.");
        AbacPolicy p = new AbacPolicy(text(spec, "user"), text(spec, "group"), bool(spec, "readonly"),
                text(spec, "apiGroup"), text(spec, "resource"), text(spec, "namespace"), text(spec, "nonResourcePath"));
        if (p.user().isEmpty() && p.group().isEmpty()) {
            throw new IllegalArgumentException("spec.user or spec.group is required (a policy with neither matches nobody)");
        }
        return p;
    }

    /**
     * The unversioned form, as the apiserver converts it: no user and no group (or {@code *}) means every
     * authenticated user; an empty namespace or resource means all; every API group; neither namespace nor resource
     * also allows every non-resource path.
     */
    private static AbacPolicy v0(JsonNode node) {
        checkFields(node, V0_FIELDS, "");
        String user = text(node, "user");
        String group = text(node, "group");
        String namespace = text(node, "namespace");
        String resource = text(node, "resource");
        if ((user.isEmpty() && group.isEmpty()) || user.equals("*") || group.equals("*")) {
            group = UserInfo.ALL_AUTHENTICATED;
        }
        return new AbacPolicy(user, group, bool(node, "readonly"), "*", resource.isEmpty() ? "*" : resource,
                namespace.isEmpty() ? "*" : namespace, namespace.isEmpty() && resource.isEmpty() ? "*" : "");
    }

    private static void checkFields(JsonNode node, Set<String> known, String prefix) {
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!known.contains(e.getKey())) {
                throw new IllegalArgumentException("unknown field \"" + prefix + e.getKey() + "\" (known: "
                        + String.join(", ", new java.util.TreeSet<>(known)) + ")");
            }
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return "";
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("\"" + field + "\" must be a string, got " + v);
        }
        return v.asText();
    }

    private static boolean bool(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException("\"" + field + "\" must be true or false, got " + v);
        }
        return v.asBoolean();
    }
}
