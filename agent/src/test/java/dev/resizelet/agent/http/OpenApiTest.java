package dev.resizelet.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenApiTest {
    private final OpenApi openApi = new OpenApi(new ObjectMapper(), "v1.33.0");

    @Test
    void rootListsApiV1WithAHashedUrl() {
        assertThat(openApi.root().at("/paths/api~1v1/serverRelativeURL").asText()).matches("/openapi/v3/api/v1\\?hash=[0-9A-F]{128}");
    }

    @Test
    void everyPodPatchDeclaresTheGvkAndFieldValidation() {
        // kubectl's QueryParamVerifierV3 looks at PATCH operations for group "", version v1, kind Pod
        ObjectNode paths = (ObjectNode) openApi.apiV1().get("paths");
        List<String> patched = new ArrayList<>();
        paths.fields().forEachRemaining(e -> {
            JsonNode patch = e.getValue().get("patch");
            if (patch != null) {
                patched.add(e.getKey());
                assertThat(patch.at("/x-kubernetes-group-version-kind/kind").asText()).isEqualTo("Pod");
                assertThat(patch.at("/x-kubernetes-group-version-kind/version").asText()).isEqualTo("v1");
                assertThat(patch.at("/x-kubernetes-group-version-kind/group").asText()).isEmpty();
                List<String> queryParams = new ArrayList<>();
                patch.get("parameters").forEach(p -> { if (p.path("in").asText().equals("query")) queryParams.add(p.get("name").asText()); });
                assertThat(queryParams).contains("fieldValidation", "dryRun");
            }
        });
        assertThat(patched).containsExactlyInAnyOrder("/api/v1/namespaces/{namespace}/pods/{name}",
                "/api/v1/namespaces/{namespace}/pods/{name}/resize", "/api/v1/namespaces/{namespace}/pods/{name}/status");
    }

    @Test
    void podSchemaHasContainersMergedByNameAndQuantityComponent() {
        JsonNode schemas = openApi.apiV1().at("/components/schemas");
        JsonNode containers = schemas.at("/io.k8s.api.core.v1.PodSpec/properties/containers");

        assertThat(containers.get("x-kubernetes-patch-merge-key").asText()).isEqualTo("name");
        assertThat(containers.at("/items/$ref").asText()).isEqualTo("#/components/schemas/io.k8s.api.core.v1.Container");
        assertThat(schemas.at("/io.k8s.api.core.v1.ResourceRequirements/properties/requests/additionalProperties/$ref").asText())
                .isEqualTo("#/components/schemas/" + PodSchema.QUANTITY);
        assertThat(schemas.at("/io.k8s.api.core.v1.Pod/x-kubernetes-group-version-kind/0/kind").asText()).isEqualTo("Pod");
    }

    @Test
    void everyRefPointsToAComponent() {
        JsonNode doc = openApi.apiV1();
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);

        assertThat(refs).isNotEmpty().allSatisfy(ref ->
                assertThat(doc.at("/components/schemas").has(ref.substring("#/components/schemas/".length()))).as(ref).isTrue());
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals("$ref")) refs.add(e.getValue().asText());
                else collectRefs(e.getValue(), refs);
            });
        } else if (node.isArray()) {
            node.forEach(n -> collectRefs(n, refs));
        }
    }
}
