package dev.resizelet.agent.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The policy matcher against the rules of the apiserver's {@code pkg/auth/authorizer/abac}, and the file's errors. */
class AbacAuthorizerTest {
    private static final UserInfo ALICE = UserInfo.authenticated("alice", List.of("dev"));
    private static final UserInfo BOB = UserInfo.authenticated("bob", List.of("ops", "dev"));
    private static final UserInfo ROOT = UserInfo.authenticated("root", List.of(UserInfo.PRIVILEGED_GROUP));

    @TempDir
    Path dir;

    private static Attributes request(UserInfo user, String method, String path) {
        return Attributes.of(user, method, path, Map.of());
    }

    private static AbacPolicy policy(String json) {
        return AbacAuthorizer.parse("{\"apiVersion\":\"abac.authorization.kubernetes.io/v1beta1\",\"kind\":\"Policy\","
                + "\"spec\":" + json + "}");
    }

    static Stream<Arguments> table() {
        String pods = "/api/v1/namespaces/default/pods";
        String resize = "/api/v1/namespaces/default/pods/web/resize";
        return Stream.of(
                // subject
                Arguments.of("{\"user\":\"alice\",\"namespace\":\"*\",\"resource\":\"*\",\"apiGroup\":\"*\"}", ALICE, "GET", pods, true),
                Arguments.of("{\"user\":\"alice\",\"namespace\":\"*\",\"resource\":\"*\",\"apiGroup\":\"*\"}", BOB, "GET", pods, false),
                Arguments.of("{\"group\":\"ops\",\"namespace\":\"*\",\"resource\":\"*\",\"apiGroup\":\"*\"}", BOB, "GET", pods, true),
                Arguments.of("{\"group\":\"ops\",\"namespace\":\"*\",\"resource\":\"*\",\"apiGroup\":\"*\"}", ALICE, "GET", pods, false),
                // user and group both set: both must match
                Arguments.of("{\"user\":\"alice\",\"group\":\"ops\",\"namespace\":\"*\",\"resource\":\"*\",\"apiGroup\":\"*\"}",
                        ALICE, "GET", pods, false),
                // "*" is every authenticated user, never the anonymous one
                Arguments.of("{\"user\":\"*\",\"namespace\":\"*\",\"resource\":\"*\",\"apiGroup\":\"*\"}", BOB, "GET", pods, true),
                Arguments.of("{\"user\":\"*\",\"namespace\":\"*\",\"resource\":\"*\",\"apiGroup\":\"*\"}", UserInfo.ANONYMOUS_USER,
                        "GET", pods, false),
                Arguments.of("{\"group\":\"system:unauthenticated\",\"namespace\":\"*\",\"resource\":\"*\",\"apiGroup\":\"*\"}",
                        UserInfo.ANONYMOUS_USER, "GET", pods, true),
                // readonly: get, list, watch only
                Arguments.of("{\"user\":\"alice\",\"readonly\":true,\"namespace\":\"*\",\"resource\":\"*\",\"apiGroup\":\"*\"}",
                        ALICE, "GET", pods, true),
                Arguments.of("{\"user\":\"alice\",\"readonly\":true,\"namespace\":\"*\",\"resource\":\"*\",\"apiGroup\":\"*\"}",
                        ALICE, "PATCH", resize, false),
                Arguments.of("{\"user\":\"alice\",\"readonly\":true,\"namespace\":\"*\",\"resource\":\"*\",\"apiGroup\":\"*\"}",
                        ALICE, "POST", pods, false),
                Arguments.of("{\"user\":\"alice\",\"readonly\":true,\"namespace\":\"*\",\"resource\":\"*\",\"apiGroup\":\"*\"}",
                        ALICE, "DELETE", pods + "/web", false),
                // namespace, resource (a subresource matches by its resource), API group
                Arguments.of("{\"user\":\"alice\",\"namespace\":\"default\",\"resource\":\"pods\",\"apiGroup\":\"\"}",
                        ALICE, "PATCH", resize, true),
                Arguments.of("{\"user\":\"alice\",\"namespace\":\"team\",\"resource\":\"pods\",\"apiGroup\":\"*\"}",
                        ALICE, "PATCH", resize, false),
                Arguments.of("{\"user\":\"alice\",\"namespace\":\"*\",\"resource\":\"events\",\"apiGroup\":\"*\"}",
                        ALICE, "GET", pods, false),
                Arguments.of("{\"user\":\"alice\",\"namespace\":\"*\",\"resource\":\"pods\",\"apiGroup\":\"apps\"}",
                        ALICE, "GET", pods, false),
                // no namespace: cluster-scoped requests only
                Arguments.of("{\"user\":\"alice\",\"resource\":\"pods\",\"apiGroup\":\"*\"}", ALICE, "GET", "/api/v1/pods", true),
                Arguments.of("{\"user\":\"alice\",\"resource\":\"pods\",\"apiGroup\":\"*\"}", ALICE, "GET", pods, false),
                // a resource policy never matches a path, and the other way round
                Arguments.of("{\"user\":\"alice\",\"namespace\":\"*\",\"resource\":\"*\",\"apiGroup\":\"*\"}", ALICE, "GET", "/metrics", false),
                Arguments.of("{\"user\":\"alice\",\"nonResourcePath\":\"*\"}", ALICE, "GET", pods, false),
                Arguments.of("{\"user\":\"alice\",\"nonResourcePath\":\"*\"}", ALICE, "GET", "/metrics", true),
                Arguments.of("{\"user\":\"alice\",\"nonResourcePath\":\"/healthz\"}", ALICE, "GET", "/healthz", true),
                Arguments.of("{\"user\":\"alice\",\"nonResourcePath\":\"/healthz\"}", ALICE, "GET", "/metrics", false),
                Arguments.of("{\"user\":\"alice\",\"nonResourcePath\":\"/openapi/*\"}", ALICE, "GET", "/openapi/v3/api/v1", true),
                Arguments.of("{\"user\":\"alice\",\"nonResourcePath\":\"/openapi/*\"}", ALICE, "GET", "/api", false),
                // readonly on a path: GET yes, POST no
                Arguments.of("{\"user\":\"alice\",\"readonly\":true,\"nonResourcePath\":\"*\"}", ALICE, "POST", "/healthz", false));
    }

    @ParameterizedTest(name = "{0} {1} {2} {3}: {4}")
    @MethodSource("table")
    void aPolicyMatchesAsTheApiserversAbacMatches(String spec, UserInfo user, String method, String path, boolean allowed) {
        AbacAuthorizer authorizer = new AbacAuthorizer(List.of(policy(spec)));

        Authorizer.Decision d = authorizer.authorize(request(user, method, path));

        assertThat(d.allowed()).isEqualTo(allowed);
        assertThat(d.reason()).isEqualTo(allowed ? "" : "No policy matched.");
    }

    @Test
    void systemMastersMayDoEverythingWithoutAPolicy() {
        AbacAuthorizer none = new AbacAuthorizer(List.of());

        assertThat(none.authorize(request(ROOT, "DELETE", "/api/v1/namespaces/default/pods/web")).allowed()).isTrue();
        assertThat(none.authorize(request(ALICE, "GET", "/healthz")).allowed()).isFalse();
    }

    @Test
    void aFileIsReadLineByLineSkippingBlankLinesAndComments() throws Exception {
        Path file = Files.writeString(dir.resolve("policy.jsonl"), """
                # readers
                {"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"user": "alice", "namespace": "*", "resource": "*", "apiGroup": "*", "readonly": true}}

                {"apiVersion": "abac.authorization.kubernetes.io/v1beta1", "kind": "Policy", "spec": {"group": "ops", "namespace": "*", "resource": "*", "apiGroup": "*"}}
                  # indented comment
                {"user": "carol"}
                """);

        AbacAuthorizer a = AbacAuthorizer.load(file);

        assertThat(a.policies()).containsExactly(
                new AbacPolicy("alice", "", true, "*", "*", "*", ""),
                new AbacPolicy("", "ops", false, "*", "*", "*", ""),
                // v0, converted as the apiserver converts it: all namespaces, resources, groups and paths
                new AbacPolicy("carol", "", false, "*", "*", "*", "*"));
        assertThat(a.authorize(request(BOB, "PATCH", "/api/v1/namespaces/x/pods/y/resize")).allowed()).isTrue();
        assertThat(a.authorize(request(ALICE, "PATCH", "/api/v1/namespaces/x/pods/y/resize")).allowed()).isFalse();
    }

    static Stream<Arguments> badLines() {
        return Stream.of(
                Arguments.of("{\"apiVersion\": \"abac.authorization.kubernetes.io/v1beta1\", \"kind\": \"Policy\", \"spec\": {\"user\": \"a\"",
                        "not a JSON object"),
                Arguments.of("[1, 2]", "not a JSON object"),
                Arguments.of("{\"apiVersion\": \"abac.authorization.kubernetes.io/v1\", \"kind\": \"Policy\", \"spec\": {\"user\": \"a\"}}",
                        "expected apiVersion \"abac.authorization.kubernetes.io/v1beta1\" and kind \"Policy\""),
                Arguments.of("{\"apiVersion\": \"abac.authorization.kubernetes.io/v1beta1\", \"kind\": \"Policy\", \"spec\": {\"user\": \"a\", \"namespce\": \"x\"}}",
                        "unknown field \"spec.namespce\""),
                Arguments.of("{\"apiVersion\": \"abac.authorization.kubernetes.io/v1beta1\", \"kind\": \"Policy\", \"spec\": {\"user\": \"a\", \"readonly\": \"yes\"}}",
                        "\"readonly\" must be true or false"),
                Arguments.of("{\"apiVersion\": \"abac.authorization.kubernetes.io/v1beta1\", \"kind\": \"Policy\", \"spec\": {\"namespace\": \"*\"}}",
                        "spec.user or spec.group is required"),
                Arguments.of("{\"apiVersion\": \"abac.authorization.kubernetes.io/v1beta1\", \"kind\": \"Policy\"}",
                        "\"spec\" must be an object"));
    }

    @ParameterizedTest
    @MethodSource("badLines")
    void aMalformedLineIsRefusedNamingTheFileAndTheLine(String bad, String why) throws Exception {
        Path file = Files.writeString(dir.resolve("policy.jsonl"), "# ok\n"
                + "{\"apiVersion\": \"abac.authorization.kubernetes.io/v1beta1\", \"kind\": \"Policy\", \"spec\": {\"user\": \"alice\", \"nonResourcePath\": \"*\"}}\n"
                + bad + "\n");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AbacAuthorizer.load(file));

        assertThat(e.getMessage()).startsWith("error reading policy file " + file + ", line 3: " + bad + ": ").contains(why);
    }

    @Test
    void aMissingFileIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AuthorizationMode.ABAC.authorizer(dir.resolve("nope.jsonl")));

        assertThat(e.getMessage()).isEqualTo("--authorization-policy-file " + dir.resolve("nope.jsonl") + " does not exist");
    }

    @Test
    void theModeAndThePolicyFileGoTogether() {
        assertThat(assertThrows(IllegalArgumentException.class, () -> AuthorizationMode.ABAC.checkPolicyFile(null)))
                .hasMessage("--authorization-mode=ABAC needs --authorization-policy-file");
        assertThat(assertThrows(IllegalArgumentException.class, () -> AuthorizationMode.AlwaysAllow.checkPolicyFile(dir)))
                .hasMessage("--authorization-policy-file is only used with --authorization-mode=ABAC");
        assertThat(assertThrows(IllegalArgumentException.class, () -> AuthorizationMode.parse("Webhook")))
                .hasMessageStartingWith("--authorization-mode must be AlwaysAllow or ABAC, got \"Webhook\"");
        assertThat(AuthorizationMode.AlwaysAllow.authorizer(null).authorize(request(UserInfo.ANONYMOUS_USER, "DELETE",
                "/api/v1/namespaces/default/pods/web")).allowed()).isTrue();
    }
}
