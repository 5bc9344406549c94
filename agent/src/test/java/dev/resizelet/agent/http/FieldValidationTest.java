package dev.resizelet.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class FieldValidationTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String WITH_UNKNOWN = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","labels":{"any":"ok"}},
             "spec":{"foo":1,"containers":[{"name":"c","image":"i","bar":true,"resources":{"requests":{"cpu":1}}}]},
             "status":{"whatever":{}}}""";

    @Test
    void strictRefusesUnknownFieldsWithTheApiserversWords() throws Exception {
        ApiException e = assertThrows(ApiException.class,
                () -> FieldValidation.check(JSON.readTree(WITH_UNKNOWN), PodSchema.POD, FieldValidation.Mode.STRICT, "Pod"));

        assertThat(e.code()).isEqualTo(400);
        assertThat(e.reason()).isEqualTo("BadRequest");
        assertThat(e.getMessage()).isEqualTo("Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: "
                + "unknown field \"spec.foo\", unknown field \"spec.containers[0].bar\"");
    }

    @Test
    void warnReturnsOneWarningPerFieldAndIgnoreNone() throws Exception {
        assertThat(FieldValidation.check(JSON.readTree(WITH_UNKNOWN), PodSchema.POD, FieldValidation.Mode.WARN, "Pod"))
                .containsExactly("unknown field \"spec.foo\"", "unknown field \"spec.containers[0].bar\"");
        assertThat(FieldValidation.check(JSON.readTree(WITH_UNKNOWN), PodSchema.POD, FieldValidation.Mode.IGNORE, "Pod")).isEmpty();
    }

    @Test
    void wrongTypesAreRefusedInEveryMode() throws Exception {
        ApiException e = assertThrows(ApiException.class, () -> FieldValidation.check(
                JSON.readTree("{\"spec\":{\"containers\":\"c\"}}"), PodSchema.POD, FieldValidation.Mode.IGNORE, "Pod"));

        assertThat(e.code()).isEqualTo(400);
        assertThat(e.getMessage()).contains("cannot unmarshal string into field spec.containers of type array");
    }

    @Test
    void modeNamesAreCaseInsensitiveAndUnknownOnesRefused() {
        assertThat(FieldValidation.parseMode("Strict")).isEqualTo(FieldValidation.Mode.STRICT);
        assertThat(FieldValidation.parseMode(null)).isEqualTo(FieldValidation.Mode.WARN);
        assertThat(assertThrows(ApiException.class, () -> FieldValidation.parseMode("loose")).code()).isEqualTo(400);
    }
}
