package dev.resizelet.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class StrategicMergePatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","labels":{"a":"1","b":"2"},"finalizers":["f1"]},
             "spec":{"containers":[
               {"name":"a","image":"busybox","resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"200m"}},
                "resizePolicy":[{"resourceName":"cpu","restartPolicy":"NotRequired"}]},
               {"name":"b","image":"nginx","resources":{"requests":{"cpu":"50m"}},"args":["x","y"]}]}}
            """;

    private static ObjectNode apply(String original, String patch) throws Exception {
        return StrategicMergePatch.apply((ObjectNode) JSON.readTree(original), JSON.readTree(patch), PodSchema.POD);
    }

    private static JsonNode tree(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void kubectlResizePatchMergesTheContainerByNameAndKeepsTheOthers() throws Exception {
        // given the patch from the README: kubectl patch pod x --subresource resize -p '...'
        ObjectNode out = apply(POD, "{\"spec\":{\"containers\":[{\"name\":\"b\",\"resources\":{\"requests\":{\"cpu\":\"800m\"}}}]}}");

        assertThat(out.at("/spec/containers/0")).isEqualTo(tree(POD).at("/spec/containers/0"));
        assertThat(out.at("/spec/containers/1/resources/requests/cpu").asText()).isEqualTo("800m");
        assertThat(out.at("/spec/containers/1/image").asText()).isEqualTo("nginx");
        assertThat(out.at("/spec/containers/1/args")).isEqualTo(tree("[\"x\",\"y\"]"));
    }

    @Test
    void kubectlSetResourcesPatchWithElementOrder() throws Exception {
        // the two-way merge patch kubectl set resources sends
        ObjectNode out = apply(POD, """
                {"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],
                 "containers":[{"name":"a","resources":{"limits":{"cpu":"1","memory":"128Mi"}}}]}}""");

        assertThat(out.at("/spec/containers/0/resources")).isEqualTo(tree(
                "{\"requests\":{\"cpu\":\"100m\",\"memory\":\"64Mi\"},\"limits\":{\"cpu\":\"1\",\"memory\":\"128Mi\"}}"));
        assertThat(out.at("/spec/containers").size()).isEqualTo(2);
        assertThat(out.at("/spec").has("$setElementOrder/containers")).isFalse();
    }

    @Test
    void elementOrderReordersTheList() throws Exception {
        ObjectNode out = apply(POD, "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"b\"},{\"name\":\"a\"}]}}");

        assertThat(out.at("/spec/containers/0/name").asText()).isEqualTo("b");
        assertThat(out.at("/spec/containers/1/name").asText()).isEqualTo("a");
    }

    @Test
    void nullDeletesAField() throws Exception {
        ObjectNode out = apply(POD, "{\"spec\":{\"containers\":[{\"name\":\"a\",\"resources\":{\"limits\":null}}]}}");

        assertThat(out.at("/spec/containers/0/resources").has("limits")).isFalse();
        assertThat(out.at("/spec/containers/0/resources/requests/cpu").asText()).isEqualTo("100m");
    }

    @Test
    void patchDeleteDirectiveRemovesAListElement() throws Exception {
        ObjectNode out = apply(POD, "{\"spec\":{\"containers\":[{\"name\":\"b\",\"$patch\":\"delete\"}]}}");

        assertThat(out.at("/spec/containers").size()).isEqualTo(1);
        assertThat(out.at("/spec/containers/0/name").asText()).isEqualTo("a");
    }

    @Test
    void patchReplaceDirectiveReplacesAMap() throws Exception {
        ObjectNode out = apply(POD, "{\"metadata\":{\"labels\":{\"c\":\"3\",\"$patch\":\"replace\"}}}");

        assertThat(out.at("/metadata/labels")).isEqualTo(tree("{\"c\":\"3\"}"));
    }

    @Test
    void replaceDirectiveInAListReplacesTheList() throws Exception {
        ObjectNode out = apply(POD, "{\"spec\":{\"containers\":[{\"$patch\":\"replace\"},{\"name\":\"z\",\"image\":\"z\"}]}}");

        assertThat(out.at("/spec/containers")).isEqualTo(tree("[{\"name\":\"z\",\"image\":\"z\"}]"));
    }

    @Test
    void unknownContainerIsAppendedWithoutDirectives() throws Exception {
        ObjectNode out = apply(POD, "{\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"c\",\"env\":null}]}}");

        assertThat(out.at("/spec/containers/2")).isEqualTo(tree("{\"name\":\"c\",\"image\":\"c\"}"));
    }

    @Test
    void resizePolicyIsAnAtomicListAndIsReplacedWhole() throws Exception {
        ObjectNode out = apply(POD, """
                {"spec":{"containers":[{"name":"a","resizePolicy":[{"resourceName":"memory","restartPolicy":"RestartContainer"}]}]}}""");

        // upstream: resizePolicy is +listType=atomic with no patch strategy, so the patch's list replaces the old one
        assertThat(out.at("/spec/containers/0/resizePolicy")).isEqualTo(tree("""
                [{"resourceName":"memory","restartPolicy":"RestartContainer"}]"""));
        assertThat(out.at("/spec/containers/0/image").asText()).as("the container itself still merges by name").isEqualTo("busybox");
    }

    @Test
    void listTypesAndMergeKeysComeFromTheBundledUpstreamDocument() {
        SchemaNode spec = PodSchema.POD.field("spec");
        SchemaNode container = spec.field("containers").items();

        assertThat(PodSchema.UPSTREAM.at("/x-resizelet-source/path").asText()).isEqualTo("api/openapi-spec/v3/api__v1_openapi.json");
        assertThat(PodSchema.UPSTREAM.at("/components/schemas/io.k8s.api.core.v1.Container/properties/resizePolicy/x-kubernetes-list-type")
                .asText()).isEqualTo("atomic");
        assertThat(spec.field("containers").mergeKey()).isEqualTo("name");
        assertThat(spec.field("initContainers").mergeKey()).isEqualTo("name");
        assertThat(spec.field("volumes").mergeKey()).isEqualTo("name");
        assertThat(container.field("resizePolicy").mergeList()).isFalse();
        assertThat(container.field("env").mergeKey()).isEqualTo("name");
        assertThat(container.field("ports").mergeKey()).isEqualTo("containerPort");
        assertThat(container.field("volumeMounts").mergeKey()).isEqualTo("mountPath");
        assertThat(container.field("args").mergeList()).isFalse();
        assertThat(spec.field("tolerations").mergeList()).isFalse();
        assertThat(PodSchema.POD.field("metadata").field("finalizers").mergeList()).isTrue();
        assertThat(PodSchema.POD.field("metadata").field("finalizers").mergeKey()).isNull();
        assertThat(PodSchema.POD.field("metadata").field("ownerReferences").mergeKey()).isEqualTo("uid");
        assertThat(container.field("resources").field("limits").field("cpu").component()).isEqualTo(PodSchema.QUANTITY);
    }

    @Test
    void listsWithoutAMergeKeyAreReplaced() throws Exception {
        ObjectNode out = apply(POD, "{\"spec\":{\"containers\":[{\"name\":\"b\",\"args\":[\"z\"]}]}}");

        assertThat(out.at("/spec/containers/1/args")).isEqualTo(tree("[\"z\"]"));
    }

    @Test
    void setListsAreUnitedAndDeleteFromPrimitiveListRemoves() throws Exception {
        ObjectNode united = apply(POD, "{\"metadata\":{\"finalizers\":[\"f2\",\"f1\"]}}");
        ObjectNode removed = apply(POD, "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"f1\"]}}");

        assertThat(united.at("/metadata/finalizers")).isEqualTo(tree("[\"f1\",\"f2\"]"));
        assertThat(removed.at("/metadata/finalizers")).isEqualTo(tree("[]"));
    }

    @Test
    void retainKeysDropsOtherFields() throws Exception {
        ObjectNode out = apply(POD, "{\"metadata\":{\"labels\":{\"$retainKeys\":[\"a\"]}}}");

        assertThat(out.at("/metadata/labels")).isEqualTo(tree("{\"a\":\"1\"}"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}|does not contain declared merge key: name",
            "{\"spec\":{\"$patch\":\"frobnicate\"}}|unknown patch type: frobnicate",
    })
    void malformedPatchesAreBadRequests(String patch, String message) {
        ApiException e = assertThrows(ApiException.class, () -> apply(POD, patch));

        assertThat(e.code()).isEqualTo(400);
        assertThat(e.getMessage()).contains(message);
    }

    @Test
    void theOriginalIsNotModified() throws Exception {
        ObjectNode original = (ObjectNode) JSON.readTree(POD);
        StrategicMergePatch.apply(original, tree("{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"q\"}]}}"), PodSchema.POD);

        assertThat(original).isEqualTo(tree(POD));
    }

    @Test
    void mergePatchReplacesListsAndDeletesOnNull() throws Exception {
        JsonNode out = MergePatch.apply(tree(POD), tree("{\"metadata\":{\"labels\":{\"a\":null}},\"spec\":{\"containers\":[{\"name\":\"q\"}]}}"));

        assertThat(out.at("/metadata/labels")).isEqualTo(tree("{\"b\":\"2\"}"));
        assertThat(out.at("/spec/containers")).isEqualTo(tree("[{\"name\":\"q\"}]"));
    }
}
