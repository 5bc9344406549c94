package dev.resizelet.cri.v1;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor.Type;
import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Pins the CRI wire format: messages encoded to bytes computed by hand from the upstream field numbers
 * (kubernetes/cri-api pkg/apis/runtime/v1/api.proto), and a table of upstream field numbers and types.
 * An accidental renumbering or retyping of a kept field fails here.
 */
class WireFormatTest {

    static Stream<Arguments> encodings() {
        return Stream.of(
                Arguments.of("UpdateContainerResourcesRequest with linux resources",
                        UpdateContainerResourcesRequest.newBuilder()
                                .setContainerId("abc")
                                .setLinux(LinuxContainerResources.newBuilder()
                                        .setCpuPeriod(100_000)
                                        .setCpuQuota(50_000)
                                        .setCpuShares(512)
                                        .setMemoryLimitInBytes(268_435_456L))
                                .build(),
                        // 1:"abc" | 2:{1:100000 2:50000 3:512 4:2^28}
                        "0a03616263" + "1211" + "08a08d06" + "10d08603" + "188004" + "208080808001"),
                Arguments.of("LinuxContainerResources: unlimited quota, swap, cpusets, unified",
                        LinuxContainerResources.newBuilder()
                                .setCpuQuota(-1)
                                .setOomScoreAdj(-997)
                                .setCpusetCpus("0-1")
                                .setCpusetMems("0")
                                .putUnified("memory.high", "1")
                                .setMemorySwapLimitInBytes(4096)
                                .build(),
                        // 2:-1 (ten-byte varint) | 5:-997 | 6:"0-1" | 7:"0" | 9:{1:"memory.high" 2:"1"} | 10:4096
                        "10ffffffffffffffffff01"
                                + "28" + "9bf8ffffffffffffff01"
                                + "3203302d31"
                                + "3a0130"
                                + "4a10" + "0a0b6d656d6f72792e68696768" + "120131"
                                + "508020"),
                Arguments.of("ContainerStatus with resources (field 16)",
                        ContainerStatus.newBuilder()
                                .setId("c1")
                                .setResources(ContainerResources.newBuilder()
                                        .setLinux(LinuxContainerResources.newBuilder().setCpuShares(2)))
                                .build(),
                        // 1:"c1" | 16 (tag 0x82 0x01):{1:{3:2}}
                        "0a026331" + "820104" + "0a02" + "1802"),
                Arguments.of("ContainerConfig with linux (field 15)",
                        ContainerConfig.newBuilder()
                                .setMetadata(ContainerMetadata.newBuilder().setName("app"))
                                .setLinux(LinuxContainerConfig.newBuilder()
                                        .setResources(LinuxContainerResources.newBuilder().setMemoryLimitInBytes(4096)))
                                .build(),
                        // 1:{1:"app"} | 15 (tag 0x7a):{1:{4:4096}}
                        "0a05" + "0a03617070" + "7a05" + "0a03" + "208020"),
                Arguments.of("PodSandboxConfig with metadata and linux.cgroup_parent (field 8 / field 1)",
                        PodSandboxConfig.newBuilder()
                                .setMetadata(PodSandboxMetadata.newBuilder()
                                        .setName("p").setUid("u").setNamespace("n").setAttempt(1))
                                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent("kubepods"))
                                .build(),
                        // 1:{1:"p" 2:"u" 3:"n" 4:1} | 8 (tag 0x42):{1:"kubepods"}
                        "0a0b" + "0a0170" + "120175" + "1a016e" + "2001"
                                + "420a" + "0a08" + "6b756265706f6473"),
                Arguments.of("UpdatePodSandboxResourcesRequest",
                        UpdatePodSandboxResourcesRequest.newBuilder()
                                .setPodSandboxId("s")
                                .setOverhead(LinuxContainerResources.newBuilder().setCpuShares(1))
                                .setResources(LinuxContainerResources.newBuilder().setCpuQuota(1000))
                                .build(),
                        // 1:"s" | 2:{3:1} | 3:{2:1000}
                        "0a0173" + "1202" + "1801" + "1a03" + "10e807"),
                Arguments.of("ContainerEventResponse",
                        ContainerEventResponse.newBuilder()
                                .setContainerId("c")
                                .setContainerEventType(ContainerEventType.CONTAINER_STOPPED_EVENT)
                                .setCreatedAt(1)
                                .setPodSandboxStatus(PodSandboxStatus.newBuilder().setId("s"))
                                .addContainersStatuses(ContainerStatus.newBuilder().setState(ContainerState.CONTAINER_EXITED))
                                .build(),
                        // 1:"c" | 2:STOPPED(2) | 3:1 | 4:{1:"s"} | 5:{3:EXITED(2)}
                        "0a0163" + "1002" + "1801" + "2203" + "0a0173" + "2a02" + "1802"),
                Arguments.of("VersionResponse",
                        VersionResponse.newBuilder()
                                .setVersion("0.1.0").setRuntimeName("r").setRuntimeVersion("1").setRuntimeApiVersion("v1")
                                .build(),
                        "0a05302e312e30" + "120172" + "1a0131" + "22027631"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("encodings")
    void encodesToTheUpstreamBytes(String what, Message message, String expectedHex) {
        byte[] bytes = message.toByteArray();

        assertThat(HexFormat.of().formatHex(bytes)).as(what).isEqualTo(expectedHex);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("encodings")
    void decodesTheUpstreamBytes(String what, Message message, String expectedHex) throws Exception {
        Message parsed = message.getParserForType().parseFrom(HexFormat.of().parseHex(expectedHex));

        assertThat(parsed).as(what).isEqualTo(message);
        assertThat(parsed.getUnknownFields().asMap()).as(what).isEmpty();
    }

    @Test
    void fieldsOfNewerRuntimesSurviveAsUnknownFields() throws Exception {
        // ContainerStatus.user (field 18) is not in the subset; a runtime may still send it
        byte[] withUnknown = HexFormat.of().parseHex("0a026331" + "9201" + "00");

        ContainerStatus parsed = ContainerStatus.parseFrom(withUnknown);

        assertThat(parsed.getId()).isEqualTo("c1");
        assertThat(parsed.getUnknownFields().hasField(18)).isTrue();
        assertThat(parsed.toByteArray()).isEqualTo(withUnknown);
    }

    /** Upstream number and type of every LinuxContainerResources field; the subset keeps them all. */
    static Stream<Arguments> linuxContainerResourcesFields() {
        return Stream.of(
                Arguments.of("cpu_period", 1, Type.INT64, false),
                Arguments.of("cpu_quota", 2, Type.INT64, false),
                Arguments.of("cpu_shares", 3, Type.INT64, false),
                Arguments.of("memory_limit_in_bytes", 4, Type.INT64, false),
                Arguments.of("oom_score_adj", 5, Type.INT64, false),
                Arguments.of("cpuset_cpus", 6, Type.STRING, false),
                Arguments.of("cpuset_mems", 7, Type.STRING, false),
                Arguments.of("hugepage_limits", 8, Type.MESSAGE, true),
                Arguments.of("unified", 9, Type.MESSAGE, true),
                Arguments.of("memory_swap_limit_in_bytes", 10, Type.INT64, false));
    }

    @ParameterizedTest(name = "LinuxContainerResources.{0} = {1}")
    @MethodSource("linuxContainerResourcesFields")
    void linuxContainerResourcesFieldHasTheUpstreamNumberAndType(String name, int number, Type type, boolean repeated) {
        FieldDescriptor field = LinuxContainerResources.getDescriptor().findFieldByName(name);

        assertThat(field).as(name).isNotNull();
        assertThat(field.getNumber()).as(name).isEqualTo(number);
        assertThat(field.getType()).as(name).isEqualTo(type);
        assertThat(field.isRepeated()).as(name).isEqualTo(repeated);
    }

    @Test
    void linuxContainerResourcesHasNoFieldBeyondUpstream() {
        List<String> names = LinuxContainerResources.getDescriptor().getFields().stream()
                .map(FieldDescriptor::getName).collect(Collectors.toList());

        assertThat(names).containsExactlyInAnyOrderElementsOf(
                linuxContainerResourcesFields().map(a -> (String) a.get()[0]).collect(Collectors.toList()));
    }

    /** The fields resizelet depends on most, in other messages. */
    static Stream<Arguments> keyFields() {
        return Stream.of(
                Arguments.of(UpdateContainerResourcesRequest.getDescriptor(), "container_id", 1, Type.STRING),
                Arguments.of(UpdateContainerResourcesRequest.getDescriptor(), "linux", 2, Type.MESSAGE),
                Arguments.of(UpdateContainerResourcesRequest.getDescriptor(), "windows", 3, Type.MESSAGE),
                Arguments.of(UpdateContainerResourcesRequest.getDescriptor(), "annotations", 4, Type.MESSAGE),
                Arguments.of(ContainerStatus.getDescriptor(), "resources", 16, Type.MESSAGE),
                Arguments.of(ContainerStatus.getDescriptor(), "state", 3, Type.ENUM),
                Arguments.of(ContainerStatus.getDescriptor(), "started_at", 5, Type.INT64),
                Arguments.of(ContainerResources.getDescriptor(), "linux", 1, Type.MESSAGE),
                Arguments.of(ContainerConfig.getDescriptor(), "linux", 15, Type.MESSAGE),
                Arguments.of(LinuxContainerConfig.getDescriptor(), "resources", 1, Type.MESSAGE),
                Arguments.of(LinuxPodSandboxConfig.getDescriptor(), "cgroup_parent", 1, Type.STRING),
                Arguments.of(PodSandboxConfig.getDescriptor(), "linux", 8, Type.MESSAGE),
                Arguments.of(CreateContainerRequest.getDescriptor(), "sandbox_config", 3, Type.MESSAGE),
                Arguments.of(UpdatePodSandboxResourcesRequest.getDescriptor(), "overhead", 2, Type.MESSAGE),
                Arguments.of(UpdatePodSandboxResourcesRequest.getDescriptor(), "resources", 3, Type.MESSAGE),
                Arguments.of(ContainerEventResponse.getDescriptor(), "containers_statuses", 5, Type.MESSAGE),
                Arguments.of(VersionResponse.getDescriptor(), "runtime_api_version", 4, Type.STRING));
    }

    @ParameterizedTest(name = "{0}.{1} = {2}")
    @MethodSource("keyFields")
    void keyFieldHasTheUpstreamNumberAndType(Descriptor message, String name, int number, Type type) {
        FieldDescriptor field = message.findFieldByName(name);

        assertThat(field).as(message.getName() + "." + name).isNotNull();
        assertThat(field.getNumber()).isEqualTo(number);
        assertThat(field.getType()).isEqualTo(type);
    }

    @Test
    void serviceMethodsHaveTheUpstreamPaths() {
        ServiceDescriptor service = RuntimeServiceGrpc.getServiceDescriptor();

        assertThat(service.getName()).isEqualTo("runtime.v1.RuntimeService");
        assertThat(service.getMethods()).extracting(MethodDescriptor::getFullMethodName).contains(
                "runtime.v1.RuntimeService/Version",
                "runtime.v1.RuntimeService/UpdateContainerResources",
                "runtime.v1.RuntimeService/UpdatePodSandboxResources",
                "runtime.v1.RuntimeService/GetContainerEvents");
        assertThat(RuntimeServiceGrpc.getGetContainerEventsMethod().getType())
                .isEqualTo(MethodDescriptor.MethodType.SERVER_STREAMING);
    }
}
