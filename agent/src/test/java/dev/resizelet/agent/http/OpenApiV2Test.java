package dev.resizelet.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenApiV2Test {
    private final OpenApiV2 doc = new OpenApiV2(new ObjectMapper(), "v1.33.0");

    /** Names of the NamedSchema entries of Document.definitions (field 9), read back from the wire. */
    private static List<String> definitionNames(byte[] document) throws Exception {
        List<String> names = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(document);
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (WireFormat.getTagFieldNumber(tag) != 9) {
                in.skipField(tag);
                continue;
            }
            CodedInputStream defs = CodedInputStream.newInstance(in.readByteArray());
            for (int t; (t = defs.readTag()) != 0; ) {
                CodedInputStream named = CodedInputStream.newInstance(defs.readByteArray());
                for (int n; (n = named.readTag()) != 0; ) {
                    if (WireFormat.getTagFieldNumber(n) == 1) {
                        names.add(named.readStringRequireUtf8());
                    } else {
                        named.skipField(n);
                    }
                }
            }
        }
        return names;
    }

    @Test
    void theJsonIsSwagger20WithThePodModelAndItsGroupVersionKind() {
        assertThat(doc.json().path("swagger").asText()).isEqualTo("2.0");
        assertThat(doc.json().at("/definitions/io.k8s.api.core.v1.Pod/x-kubernetes-group-version-kind/0/kind").asText())
                .isEqualTo("Pod");
        assertThat(doc.json().at("/definitions/io.k8s.api.core.v1.PodSpec/properties/containers/items/$ref").asText())
                .isEqualTo("#/definitions/io.k8s.api.core.v1.Container");
        assertThat(doc.json().at("/definitions/io.k8s.api.core.v1.PodSpec/properties/containers/x-kubernetes-patch-merge-key")
                .asText()).isEqualTo("name");
        assertThat(doc.json().at("/definitions/io.k8s.api.core.v1.Container/properties/resizePolicy/x-kubernetes-patch-strategy")
                .isMissingNode()).isTrue();
    }

    @Test
    void theProtobufIsAGnosticDocumentWithTheSameDefinitionsAndNoDanglingReference() throws Exception {
        byte[] pb = doc.protobuf();

        List<String> names = definitionNames(pb);

        assertThat(names).contains("io.k8s.api.core.v1.Pod", "io.k8s.api.core.v1.PodSpec", "io.k8s.api.core.v1.Container",
                "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", PodSchema.QUANTITY);
        assertThat(names).containsExactlyInAnyOrderElementsOf(() -> doc.json().path("definitions").fieldNames());
        java.util.regex.Matcher refs = java.util.regex.Pattern.compile("\"#/definitions/([^\"]+)\"").matcher(doc.json().toString());
        int count = 0;
        while (refs.find()) {
            assertThat(names).as("every $ref has its definition").contains(refs.group(1));
            count++;
        }
        assertThat(count).isPositive();
        assertThat(OpenApiV2.wantsProtobuf("application/com.github.proto-openapi.spec.v2@v1.0+protobuf")).isTrue();
        assertThat(OpenApiV2.wantsProtobuf("application/json")).isFalse();
    }
}
