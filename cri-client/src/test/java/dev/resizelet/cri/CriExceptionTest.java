package dev.resizelet.cri;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.cri.CriException.Target;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CriExceptionTest {

    @ParameterizedTest
    @CsvSource({
        "UNAVAILABLE,       CriUnavailableException",
        "DEADLINE_EXCEEDED, CriDeadlineExceededException",
        "NOT_FOUND,         CriNotFoundException",
        "INVALID_ARGUMENT,  CriInvalidArgumentException",
        "UNIMPLEMENTED,     CriUnimplementedException",
        "UNKNOWN,           CriException",
        "INTERNAL,          CriException",
        "ALREADY_EXISTS,    CriException",
    })
    void statusCodesMapToTypedExceptions(Status.Code code, String type) {
        StatusRuntimeException cause = code.toStatus().withDescription("runtime says no").asRuntimeException();

        CriException e = CriException.from(cause, "UpdateContainerResources", Target.CONTAINER, "abc123");

        assertThat(e.getClass().getSimpleName()).isEqualTo(type);
        assertThat(e.code()).isEqualTo(code);
        assertThat(e.rpc()).isEqualTo("UpdateContainerResources");
        assertThat(e.targetId()).isEqualTo("abc123");
        assertThat(e.runtimeMessage()).isEqualTo("runtime says no");
        assertThat(e.getCause()).isSameAs(cause);
        assertThat(e.getMessage()).isEqualTo(
                "CRI UpdateContainerResources failed for container abc123: " + code + ": runtime says no");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "StopPodSandbox | SANDBOX   | s1 | CRI StopPodSandbox failed for sandbox s1: NOT_FOUND",
        "ListContainers | NONE      |    | CRI ListContainers failed: NOT_FOUND",
        "ContainerStatus| CONTAINER |    | CRI ContainerStatus failed for container \"\": NOT_FOUND",
    })
    void messageNamesTheTargetOnlyWhenThereIsOne(String rpc, Target target, String id, String message) {
        CriException e = CriException.from(Status.NOT_FOUND.asRuntimeException(), rpc, target, id);

        assertThat(e.getMessage()).isEqualTo(message);
        assertThat(e.runtimeMessage()).isEmpty();
    }
}
