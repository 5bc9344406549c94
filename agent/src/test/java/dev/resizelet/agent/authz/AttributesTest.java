package dev.resizelet.agent.authz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The request-to-attributes table of the apiserver's {@code RequestInfoFactory}, for the paths the agent serves. */
class AttributesTest {
    private static final UserInfo ALICE = UserInfo.authenticated("alice", java.util.List.of("dev"));

    static Stream<Arguments> requests() {
        // method, path, watch query (null: none), verb, resource request, namespace, resource, subresource, name
        return Stream.of(
                Arguments.of("GET", "/api/v1/namespaces/default/pods", null, "list", true, "default", "pods", "", ""),
                Arguments.of("GET", "/api/v1/namespaces/default/pods", "true", "watch", true, "default", "pods", "", ""),
                Arguments.of("GET", "/api/v1/namespaces/default/pods", "1", "watch", true, "default", "pods", "", ""),
                Arguments.of("GET", "/api/v1/namespaces/default/pods", "false", "list", true, "default", "pods", "", ""),
                Arguments.of("GET", "/api/v1/namespaces/default/pods", "0", "list", true, "default", "pods", "", ""),
                Arguments.of("GET", "/api/v1/pods", "true", "watch", true, "", "pods", "", ""),
                Arguments.of("GET", "/api/v1/pods", null, "list", true, "", "pods", "", ""),
                Arguments.of("HEAD", "/api/v1/namespaces/default/pods/web", null, "get", true, "default", "pods", "", "web"),
                Arguments.of("GET", "/api/v1/namespaces/default/pods/web", null, "get", true, "default", "pods", "", "web"),
                Arguments.of("POST", "/api/v1/namespaces/default/pods", null, "create", true, "default", "pods", "", ""),
                Arguments.of("PUT", "/api/v1/namespaces/default/pods/web", null, "update", true, "default", "pods", "", "web"),
                Arguments.of("PATCH", "/api/v1/namespaces/default/pods/web", null, "patch", true, "default", "pods", "", "web"),
                Arguments.of("PATCH", "/api/v1/namespaces/default/pods/web/resize", null, "patch", true, "default", "pods",
                        "resize", "web"),
                Arguments.of("PUT", "/api/v1/namespaces/default/pods/web/resize", null, "update", true, "default", "pods",
                        "resize", "web"),
                Arguments.of("GET", "/api/v1/namespaces/default/pods/web/status", null, "get", true, "default", "pods",
                        "status", "web"),
                Arguments.of("DELETE", "/api/v1/namespaces/default/pods/web", null, "delete", true, "default", "pods", "", "web"),
                Arguments.of("DELETE", "/api/v1/namespaces/default/pods", null, "deletecollection", true, "default", "pods",
                        "", ""),
                Arguments.of("GET", "/api/v1/namespaces/default/events", null, "list", true, "default", "events", "", ""),
                // a namespace itself: the namespace attribute is its name, as the apiserver sets it
                Arguments.of("GET", "/api/v1/namespaces", null, "list", true, "", "namespaces", "", ""),
                Arguments.of("POST", "/api/v1/namespaces", null, "create", true, "", "namespaces", "", ""),
                Arguments.of("DELETE", "/api/v1/namespaces/team", null, "delete", true, "team", "namespaces", "", "team"),
                Arguments.of("GET", "/api/v1/namespaces/team/status", null, "get", true, "team", "namespaces", "status", "team"),
                // the older watch prefix
                Arguments.of("GET", "/api/v1/watch/namespaces/default/pods", null, "watch", true, "default", "pods", "", ""),
                // not resources: the lower-cased HTTP method and the path
                Arguments.of("GET", "/healthz", null, "get", false, "", "", "", ""),
                Arguments.of("GET", "/metrics", null, "get", false, "", "", "", ""),
                Arguments.of("GET", "/openapi/v2", null, "get", false, "", "", "", ""),
                Arguments.of("GET", "/openapi/v3/api/v1", null, "get", false, "", "", "", ""),
                Arguments.of("GET", "/api", null, "get", false, "", "", "", ""),
                Arguments.of("GET", "/api/v1", null, "get", false, "", "", "", ""),
                Arguments.of("GET", "/apis", null, "get", false, "", "", "", ""),
                Arguments.of("GET", "/version", null, "get", false, "", "", "", ""),
                Arguments.of("POST", "/healthz", null, "post", false, "", "", "", ""),
                Arguments.of("HEAD", "/readyz", null, "head", false, "", "", "", ""));
    }

    @ParameterizedTest(name = "{0} {1} watch={2}: {3}")
    @MethodSource("requests")
    void aRequestMapsToTheApiserversAttributes(String method, String path, String watch, String verb, boolean resourceRequest,
            String namespace, String resource, String subresource, String name) {
        Attributes a = Attributes.of(ALICE, method, path, watch == null ? Map.of() : Map.of("watch", watch));

        assertThat(a.verb()).isEqualTo(verb);
        assertThat(a.resourceRequest()).isEqualTo(resourceRequest);
        assertThat(a.namespace()).isEqualTo(namespace);
        assertThat(a.resource()).isEqualTo(resource);
        assertThat(a.subresource()).isEqualTo(subresource);
        assertThat(a.name()).isEqualTo(name);
        assertThat(a.path()).isEqualTo(path);
        assertThat(a.apiGroup()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("requests")
    void onlyGetListAndWatchAreReadOnly(String method, String path, String watch, String verb) {
        Attributes a = Attributes.of(ALICE, method, path, watch == null ? Map.of() : Map.of("watch", watch));

        assertThat(a.readOnly()).isEqualTo(verb.equals("get") || verb.equals("list") || verb.equals("watch"));
    }

    @org.junit.jupiter.api.Test
    void aGroupedPathCarriesItsGroup() {
        Attributes a = Attributes.of(ALICE, "GET", "/apis/apps/v1/namespaces/default/deployments/web", Map.of());

        assertThat(a.apiGroup()).isEqualTo("apps");
        assertThat(a.apiVersion()).isEqualTo("v1");
        assertThat(a.resource()).isEqualTo("deployments");
        assertThat(a.name()).isEqualTo("web");
        assertThat(Attributes.of(ALICE, "GET", "/apis/apps/v1", Map.of()).resourceRequest()).isFalse();
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("PATCH", "/api/v1/namespaces/default/pods/web/resize",
                        "User \"alice\" cannot patch resource \"pods/resize\" in API group \"\" in the namespace \"default\""),
                Arguments.of("GET", "/api/v1/pods",
                        "User \"alice\" cannot list resource \"pods\" in API group \"\" at the cluster scope"),
                Arguments.of("GET", "/metrics", "User \"alice\" cannot get path \"/metrics\""));
    }

    @ParameterizedTest
    @MethodSource("refusals")
    void aRefusalIsWordedAsTheApiserverWordsIt(String method, String path, String message) {
        assertThat(Attributes.of(ALICE, method, path, Map.of()).forbiddenMessage()).isEqualTo(message);
    }
}
