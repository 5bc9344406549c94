package dev.resizelet.fakecri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.cgroups.CgroupWrite;
import dev.resizelet.cri.v1.ContainerConfig;
import dev.resizelet.cri.v1.ContainerEventResponse;
import dev.resizelet.cri.v1.ContainerEventType;
import dev.resizelet.cri.v1.ContainerFilter;
import dev.resizelet.cri.v1.ContainerMetadata;
import dev.resizelet.cri.v1.ContainerState;
import dev.resizelet.cri.v1.ContainerStateValue;
import dev.resizelet.cri.v1.ContainerStatus;
import dev.resizelet.cri.v1.ContainerStatusRequest;
import dev.resizelet.cri.v1.CreateContainerRequest;
import dev.resizelet.cri.v1.GetEventsRequest;
import dev.resizelet.cri.v1.ImageSpec;
import dev.resizelet.cri.v1.LinuxContainerConfig;
import dev.resizelet.cri.v1.LinuxContainerResources;
import dev.resizelet.cri.v1.LinuxPodSandboxConfig;
import dev.resizelet.cri.v1.ListContainersRequest;
import dev.resizelet.cri.v1.ListPodSandboxRequest;
import dev.resizelet.cri.v1.PodSandboxConfig;
import dev.resizelet.cri.v1.PodSandboxFilter;
import dev.resizelet.cri.v1.PodSandboxMetadata;
import dev.resizelet.cri.v1.PodSandboxState;
import dev.resizelet.cri.v1.PodSandboxStateValue;
import dev.resizelet.cri.v1.RemoveContainerRequest;
import dev.resizelet.cri.v1.RemovePodSandboxRequest;
import dev.resizelet.cri.v1.RunPodSandboxRequest;
import dev.resizelet.cri.v1.RuntimeServiceGrpc;
import dev.resizelet.cri.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.resizelet.cri.v1.StartContainerRequest;
import dev.resizelet.cri.v1.StopContainerRequest;
import dev.resizelet.cri.v1.StopPodSandboxRequest;
import dev.resizelet.cri.v1.UpdateContainerResourcesRequest;
import dev.resizelet.cri.v1.UpdatePodSandboxResourcesRequest;
import dev.resizelet.cri.v1.VersionRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FakeRuntimeTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final String POD_CGROUP = "kubepods/burstable/pod0a1b";

    @TempDir
    Path root;

    TestClock clock = new TestClock(T0);
    AtomicLong sequence = new AtomicLong();
    CgroupTree tree;
    FakeRuntime runtime;
    FakeRuntimeServer server;
    ManagedChannel channel;
    RuntimeServiceBlockingStub cri;

    @BeforeEach
    void setUp() {
        start(CgroupVersion.V1, FakeRuntime.builder());
    }

    void start(CgroupVersion version, FakeRuntime.Builder builder) {
        tearDown();
        tree = new CgroupTree(root.resolve(version.name()), version);
        runtime = builder.cgroups(tree.manager).clock(clock).sequence(sequence).build();
        server = FakeRuntimeServer.inProcess(runtime, "fake-cri-" + UUID.randomUUID());
        channel = server.newInProcessChannel();
        cri = RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void tearDown() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.close();
        }
    }

    static PodSandboxConfig sandboxConfig(String name, String cgroupParent) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("default").setUid("0a1b"))
                .putLabels("app", name)
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent(cgroupParent))
                .build();
    }

    static LinuxContainerResources resources(long shares, long quota, long memory) {
        return LinuxContainerResources.newBuilder()
                .setCpuShares(shares).setCpuPeriod(100_000).setCpuQuota(quota).setMemoryLimitInBytes(memory).build();
    }

    static ContainerConfig containerConfig(String name, LinuxContainerResources r) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage("registry.k8s.io/pause:3.10"))
                .putLabels("container", name)
                .setLinux(LinuxContainerConfig.newBuilder().setResources(r))
                .build();
    }

    String runSandbox() {
        return cri.runPodSandbox(RunPodSandboxRequest.newBuilder()
                .setConfig(sandboxConfig("web", "/" + POD_CGROUP)).build()).getPodSandboxId();
    }

    String createContainer(String sandboxId, String name, LinuxContainerResources r) {
        return cri.createContainer(CreateContainerRequest.newBuilder()
                .setPodSandboxId(sandboxId).setConfig(containerConfig(name, r)).build()).getContainerId();
    }

    ContainerStatus status(String id) {
        return cri.containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus();
    }

    void update(String id, LinuxContainerResources r) {
        cri.updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(id).setLinux(r).build());
    }

    String v1(String controller, String id, String file) {
        return tree.read(controller + "/" + POD_CGROUP + "/" + id + "/" + file);
    }

    @Test
    void createWritesTheContainerCgroupAndStatusReportsIt() {
        String sandbox = runSandbox();
        clock.advance(Duration.ofSeconds(1));

        String id = createContainer(sandbox, "app", resources(512, 50_000, 256L << 20));

        assertThat(id).matches("[0-9a-f]{64}");
        assertThat(v1("cpu", id, "cpu.shares")).isEqualTo("512");
        assertThat(v1("cpu", id, "cpu.cfs_quota_us")).isEqualTo("50000");
        assertThat(v1("cpu", id, "cpu.cfs_period_us")).isEqualTo("100000");
        assertThat(v1("memory", id, "memory.limit_in_bytes")).isEqualTo(Long.toString(256L << 20));
        ContainerStatus st = status(id);
        assertThat(st.getState()).isEqualTo(ContainerState.CONTAINER_CREATED);
        assertThat(st.getCreatedAt()).isEqualTo((T0.getEpochSecond() + 1) * 1_000_000_000L);
        assertThat(st.getMetadata().getName()).isEqualTo("app");
        assertThat(st.getLabelsMap()).containsEntry("container", "app");
        assertThat(st.getResources().getLinux()).isEqualTo(resources(512, 50_000, 256L << 20).toBuilder()
                .setMemorySwapLimitInBytes(256L << 20).build());
    }

    @Test
    void startStopAndRemoveFollowTheContainerLifecycle() {
        String sandbox = runSandbox();
        String id = createContainer(sandbox, "app", resources(512, 50_000, 256L << 20));
        clock.advance(Duration.ofSeconds(2));

        cri.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(status(id).getStartedAt()).isEqualTo((T0.getEpochSecond() + 2) * 1_000_000_000L);

        cri.stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(30).build());
        assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(status(id).getReason()).isEqualTo("Completed");
        assertThat(v1("cpu", id, "cpu.shares")).as("StopContainer keeps the cgroup").isEqualTo("512");

        cri.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        assertThat(tree.exists("cpu/" + POD_CGROUP + "/" + id)).isFalse();
        assertThat(tree.exists("memory/" + POD_CGROUP + "/" + id)).isFalse();
        assertThat(tree.exists("cpu/" + POD_CGROUP)).as("the pod cgroup is the kubelet's").isTrue();
        assertThat(runtime.containerIds()).isEmpty();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> status(id));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void updateWritesOnlyNonZeroFieldsAndSetsSwapToMemory() {
        String id = createContainer(runSandbox(), "app", resources(512, 50_000, 256L << 20));

        update(id, LinuxContainerResources.newBuilder().setCpuQuota(150_000).setMemoryLimitInBytes(512L << 20).build());

        assertThat(v1("cpu", id, "cpu.cfs_quota_us")).isEqualTo("150000");
        assertThat(v1("cpu", id, "cpu.shares")).as("0 leaves shares unchanged").isEqualTo("512");
        assertThat(v1("memory", id, "memory.limit_in_bytes")).isEqualTo(Long.toString(512L << 20));
        LinuxContainerResources reported = status(id).getResources().getLinux();
        assertThat(reported.getCpuShares()).isEqualTo(512);
        assertThat(reported.getCpuPeriod()).isEqualTo(100_000);
        assertThat(reported.getCpuQuota()).isEqualTo(150_000);
        assertThat(reported.getMemoryLimitInBytes()).isEqualTo(512L << 20);
        assertThat(reported.getMemorySwapLimitInBytes()).isEqualTo(512L << 20);
    }

    @Test
    void unlimitedQuotaIsWrittenAsMinusOne() {
        String id = createContainer(runSandbox(), "app", resources(512, 50_000, 0));

        update(id, LinuxContainerResources.newBuilder().setCpuQuota(-1).build());

        assertThat(v1("cpu", id, "cpu.cfs_quota_us")).isEqualTo("-1");
        assertThat(v1("memory", id, "memory.limit_in_bytes")).as("memory 0 was never written: the kernel's unlimited")
                .isEqualTo("9223372036854771712");
        assertThat(status(id).getResources().getLinux().getCpuQuota()).isEqualTo(-1);
    }

    @Test
    void aV1ContainerCgroupHoldsEveryFileTheKernelMakesWithItsDefaults() {
        String id = createContainer(runSandbox(), "app", LinuxContainerResources.newBuilder().setCpuShares(2).build());

        assertThat(v1("cpu", id, "cpu.shares")).isEqualTo("2");
        assertThat(v1("cpu", id, "cpu.cfs_quota_us")).as("no limit: the kernel's -1").isEqualTo("-1");
        assertThat(v1("cpu", id, "cpu.cfs_period_us")).isEqualTo("100000");
        assertThat(v1("memory", id, "memory.limit_in_bytes")).isEqualTo("9223372036854771712");
        assertThat(v1("memory", id, "memory.usage_in_bytes")).isEqualTo("0");
        assertThat(tree.manager.read(CgroupName.parse(POD_CGROUP + "/" + id)))
                .isEqualTo(new dev.resizelet.cgroups.CgroupResources(2L, -1L, 100_000L, dev.resizelet.cgroups.CgroupResources.UNLIMITED));
    }

    @Test
    void aV2ContainerCgroupHoldsEveryFileTheKernelMakesWithItsDefaults() {
        start(CgroupVersion.V2, FakeRuntime.builder());
        String id = createContainer(runSandbox(), "app", LinuxContainerResources.getDefaultInstance());
        String dir = POD_CGROUP + "/" + id + "/";

        assertThat(tree.read(dir + "cpu.max")).isEqualTo("max 100000");
        assertThat(tree.read(dir + "cpu.weight")).isEqualTo("100");
        assertThat(tree.read(dir + "memory.max")).isEqualTo("max");
        assertThat(tree.read(dir + "memory.current")).isEqualTo("0");
    }

    @Test
    void cgroupV2TreeGetsWeightMaxAndMemoryMax() {
        start(CgroupVersion.V2, FakeRuntime.builder());
        String id = createContainer(runSandbox(), "app", resources(1024, 50_000, 128L << 20));
        String dir = POD_CGROUP + "/" + id + "/";

        assertThat(tree.read(dir + "cpu.max")).isEqualTo("50000 100000");
        assertThat(tree.read(dir + "memory.max")).isEqualTo(Long.toString(128L << 20));
        assertThat(tree.read(dir + "cpu.weight")).isEqualTo("39");

        update(id, LinuxContainerResources.newBuilder().setCpuQuota(-1).build());

        assertThat(tree.read(dir + "cpu.max")).isEqualTo("max 100000");
        assertThat(tree.read(dir + "memory.max")).isEqualTo(Long.toString(128L << 20));
    }

    @Test
    void systemdSliceParentIsUsedAsItIs() {
        String slice = "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0a1b.slice";
        String sandbox = cri.runPodSandbox(RunPodSandboxRequest.newBuilder()
                .setConfig(sandboxConfig("web", slice)).build()).getPodSandboxId();

        String id = createContainer(sandbox, "app", resources(512, 50_000, 256L << 20));

        assertThat(tree.read("cpu/" + slice + "/" + id + "/cpu.shares")).isEqualTo("512");
        assertThat(runtime.containerCgroup(id)).contains(CgroupName.parse(slice + "/" + id));
    }

    @Test
    void sandboxWithoutCgroupParentWritesNoFiles() {
        String sandbox = cri.runPodSandbox(RunPodSandboxRequest.newBuilder()
                .setConfig(sandboxConfig("web", "")).build()).getPodSandboxId();

        String id = createContainer(sandbox, "app", resources(512, 50_000, 256L << 20));

        assertThat(tree.snapshot()).containsOnlyKeys("");
        assertThat(runtime.containerCgroup(id)).isEmpty();
        assertThat(status(id).getResources().getLinux().getCpuShares()).isEqualTo(512);
    }

    // ------------------------------------------------------------ bad input changes nothing

    static Stream<Arguments> badCalls() {
        LinuxContainerResources ok = LinuxContainerResources.newBuilder().setCpuShares(1024).build();
        return Stream.of(
                Arguments.of("update unknown container", Status.Code.NOT_FOUND,
                        (Consumer<FakeRuntimeTest>) t -> t.update("f".repeat(64), ok)),
                Arguments.of("update with empty id", Status.Code.INVALID_ARGUMENT,
                        (Consumer<FakeRuntimeTest>) t -> t.update("", ok)),
                Arguments.of("status of unknown container", Status.Code.NOT_FOUND,
                        (Consumer<FakeRuntimeTest>) t -> t.status("nope")),
                Arguments.of("status with empty id", Status.Code.INVALID_ARGUMENT,
                        (Consumer<FakeRuntimeTest>) t -> t.status("")),
                Arguments.of("start unknown container", Status.Code.NOT_FOUND,
                        (Consumer<FakeRuntimeTest>) t -> t.cri.startContainer(
                                StartContainerRequest.newBuilder().setContainerId("nope").build())),
                Arguments.of("stop unknown container", Status.Code.NOT_FOUND,
                        (Consumer<FakeRuntimeTest>) t -> t.cri.stopContainer(
                                StopContainerRequest.newBuilder().setContainerId("nope").build())),
                Arguments.of("remove container with empty id", Status.Code.INVALID_ARGUMENT,
                        (Consumer<FakeRuntimeTest>) t -> t.cri.removeContainer(
                                RemoveContainerRequest.newBuilder().setContainerId("").build())),
                Arguments.of("create in unknown sandbox", Status.Code.NOT_FOUND,
                        (Consumer<FakeRuntimeTest>) t -> t.createContainer("nope", "x", ok)),
                Arguments.of("create with empty sandbox id", Status.Code.INVALID_ARGUMENT,
                        (Consumer<FakeRuntimeTest>) t -> t.createContainer("", "x", ok)),
                Arguments.of("stop unknown sandbox", Status.Code.NOT_FOUND,
                        (Consumer<FakeRuntimeTest>) t -> t.cri.stopPodSandbox(
                                StopPodSandboxRequest.newBuilder().setPodSandboxId("nope").build())),
                Arguments.of("update resources of unknown sandbox", Status.Code.NOT_FOUND,
                        (Consumer<FakeRuntimeTest>) t -> t.cri.updatePodSandboxResources(
                                UpdatePodSandboxResourcesRequest.newBuilder().setPodSandboxId("nope").build())),
                Arguments.of("negative cpu shares", Status.Code.INVALID_ARGUMENT,
                        (Consumer<FakeRuntimeTest>) t -> t.update(t.existing,
                                LinuxContainerResources.newBuilder().setCpuShares(-2).build())),
                Arguments.of("cpu quota below -1", Status.Code.INVALID_ARGUMENT,
                        (Consumer<FakeRuntimeTest>) t -> t.update(t.existing,
                                LinuxContainerResources.newBuilder().setCpuQuota(-2).setCpuShares(100).build())),
                Arguments.of("negative memory", Status.Code.INVALID_ARGUMENT,
                        (Consumer<FakeRuntimeTest>) t -> t.update(t.existing,
                                LinuxContainerResources.newBuilder().setMemoryLimitInBytes(-1).setCpuShares(100).build())),
                Arguments.of("quota below 1ms", Status.Code.INVALID_ARGUMENT,
                        (Consumer<FakeRuntimeTest>) t -> t.update(t.existing,
                                LinuxContainerResources.newBuilder().setCpuQuota(999).build())),
                Arguments.of("create with negative memory", Status.Code.INVALID_ARGUMENT,
                        (Consumer<FakeRuntimeTest>) t -> t.createContainer(t.sandbox, "y",
                                LinuxContainerResources.newBuilder().setMemoryLimitInBytes(-5).build())),
                Arguments.of("create with a duplicate name and attempt", Status.Code.ALREADY_EXISTS,
                        (Consumer<FakeRuntimeTest>) t -> t.createContainer(t.sandbox, "app", ok)),
                Arguments.of("sandbox cgroup_parent leaving the root", Status.Code.INVALID_ARGUMENT,
                        (Consumer<FakeRuntimeTest>) t -> t.cri.runPodSandbox(RunPodSandboxRequest.newBuilder()
                                .setConfig(sandboxConfig("evil", "/kubepods/../../etc")).build())),
                Arguments.of("sandbox without metadata", Status.Code.INVALID_ARGUMENT,
                        (Consumer<FakeRuntimeTest>) t -> t.cri.runPodSandbox(RunPodSandboxRequest.getDefaultInstance())));
    }

    String sandbox;
    String existing;

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("badCalls")
    void badInputIsRejectedAndChangesNothing(String what, Status.Code code, Consumer<FakeRuntimeTest> call) {
        sandbox = runSandbox();
        existing = createContainer(sandbox, "app", resources(512, 50_000, 256L << 20));
        cri.startContainer(StartContainerRequest.newBuilder().setContainerId(existing).build());
        Map<String, String> filesBefore = tree.snapshot();
        ContainerStatus statusBefore = status(existing);
        List<String> sandboxesBefore = runtime.sandboxIds();

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call.accept(this));

        assertThat(e.getStatus().getCode()).as(what).isEqualTo(code);
        assertThat(e.getStatus().getDescription()).as(what).isNotBlank();
        assertThat(tree.snapshot()).as(what).isEqualTo(filesBefore);
        assertThat(status(existing)).as(what).isEqualTo(statusBefore);
        assertThat(runtime.containerIds()).as(what).containsExactly(existing);
        assertThat(runtime.sandboxIds()).as(what).isEqualTo(sandboxesBefore);
    }

    @Test
    void updateOfARemovedContainerIsNotFoundAndRecreatesNothing() {
        String id = createContainer(runSandbox(), "app", resources(512, 50_000, 256L << 20));
        cri.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        Map<String, String> before = tree.snapshot();

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> update(id, LinuxContainerResources.newBuilder().setCpuShares(2048).build()));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(e.getStatus().getDescription()).contains(id);
        assertThat(tree.snapshot()).isEqualTo(before);
        assertThat(tree.exists("cpu/" + POD_CGROUP + "/" + id)).isFalse();
    }

    @Test
    void removesAreIdempotentLikeContainerd() {
        cri.removeContainer(RemoveContainerRequest.newBuilder().setContainerId("gone").build());
        cri.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId("gone").build());

        assertThat(runtime.calls()).extracting(RecordedCall::rpc)
                .containsExactly(CriRpc.REMOVE_CONTAINER, CriRpc.REMOVE_POD_SANDBOX);
    }

    @Test
    void memoryLimitBelowUsageIsRefusedOnV1AndChangesNothing() {
        String id = createContainer(runSandbox(), "app", resources(512, 50_000, 256L << 20));
        runtime.setMemoryUsage(id, 200L << 20);
        assertThat(v1("memory", id, "memory.usage_in_bytes")).isEqualTo(Long.toString(200L << 20));
        Map<String, String> before = tree.snapshot();
        ContainerStatus statusBefore = status(id);

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> update(id, LinuxContainerResources.newBuilder().setMemoryLimitInBytes(100L << 20).build()));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN);
        assertThat(e.getStatus().getDescription()).contains("device or resource busy");
        assertThat(tree.snapshot()).isEqualTo(before);
        assertThat(status(id)).isEqualTo(statusBefore);
    }

    @Test
    void setMemoryUsageWritesMemoryCurrentOnV2() {
        start(CgroupVersion.V2, FakeRuntime.builder());
        String id = createContainer(runSandbox(), "app", resources(512, 50_000, 256L << 20));

        runtime.setMemoryUsage(id, 12345);
        runtime.setMemoryUsage(CgroupName.parse(POD_CGROUP), 67890);

        assertThat(tree.read(POD_CGROUP + "/" + id + "/memory.current")).isEqualTo("12345");
        assertThat(tree.read(POD_CGROUP + "/memory.current")).isEqualTo("67890");
        assertThat(tree.manager.memoryUsage(CgroupName.parse(POD_CGROUP))).isEqualTo(67890);
    }

    // ------------------------------------------------------------ sandboxes

    @Test
    void removePodSandboxStopsAndRemovesItsContainersLikeContainerd() {
        String sandbox = runSandbox();
        String a = createContainer(sandbox, "a", resources(512, 50_000, 256L << 20));
        String b = createContainer(sandbox, "b", resources(256, 0, 0));
        cri.startContainer(StartContainerRequest.newBuilder().setContainerId(a).build());
        List<ContainerEventResponse> events = subscribe();

        cri.removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandbox).build());

        assertThat(runtime.containerIds()).isEmpty();
        assertThat(runtime.sandboxIds()).isEmpty();
        assertThat(tree.exists("cpu/" + POD_CGROUP + "/" + a)).isFalse();
        assertThat(tree.exists("cpu/" + POD_CGROUP + "/" + b)).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 4);
        assertThat(events).extracting(ContainerEventResponse::getContainerId, ContainerEventResponse::getContainerEventType)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(a, ContainerEventType.CONTAINER_STOPPED_EVENT),
                        org.assertj.core.groups.Tuple.tuple(b, ContainerEventType.CONTAINER_STOPPED_EVENT),
                        org.assertj.core.groups.Tuple.tuple(a, ContainerEventType.CONTAINER_DELETED_EVENT),
                        org.assertj.core.groups.Tuple.tuple(b, ContainerEventType.CONTAINER_DELETED_EVENT));
    }

    @Test
    void stopPodSandboxStopsContainersAndRefusesNewOnes() {
        String sandbox = runSandbox();
        String a = createContainer(sandbox, "a", resources(512, 50_000, 256L << 20));
        cri.startContainer(StartContainerRequest.newBuilder().setContainerId(a).build());

        cri.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sandbox).build());

        assertThat(status(a).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(runtime.sandbox(sandbox).orElseThrow().getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> createContainer(sandbox, "b", resources(2, 0, 0)));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    }

    @Test
    void listsFilterByIdStateSandboxAndLabels() {
        String s1 = runSandbox();
        String s2 = cri.runPodSandbox(RunPodSandboxRequest.newBuilder()
                .setConfig(sandboxConfig("db", "/kubepods/pod2")).build()).getPodSandboxId();
        String a = createContainer(s1, "a", resources(2, 0, 0));
        String b = createContainer(s1, "b", resources(2, 0, 0));
        String c = createContainer(s2, "c", resources(2, 0, 0));
        cri.startContainer(StartContainerRequest.newBuilder().setContainerId(b).build());
        cri.stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(s2).build());

        assertThat(listContainers(ContainerFilter.getDefaultInstance())).containsExactly(a, b, c);
        assertThat(listContainers(ContainerFilter.newBuilder().setPodSandboxId(s1).build())).containsExactly(a, b);
        assertThat(listContainers(ContainerFilter.newBuilder().setId(c).build())).containsExactly(c);
        assertThat(listContainers(ContainerFilter.newBuilder()
                .setState(ContainerStateValue.newBuilder().setState(ContainerState.CONTAINER_RUNNING)).build()))
                .containsExactly(b);
        assertThat(listContainers(ContainerFilter.newBuilder().putLabelSelector("container", "a").build()))
                .containsExactly(a);
        assertThat(cri.listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(PodSandboxFilter.newBuilder()
                        .setState(PodSandboxStateValue.newBuilder().setState(PodSandboxState.SANDBOX_READY))).build())
                .getItemsList()).extracting(i -> i.getId()).containsExactly(s1);
        assertThat(cri.listPodSandbox(ListPodSandboxRequest.newBuilder().setFilter(PodSandboxFilter.newBuilder()
                        .putLabelSelector("app", "db")).build())
                .getItemsList()).extracting(i -> i.getId()).containsExactly(s2);
    }

    List<String> listContainers(ContainerFilter filter) {
        return cri.listContainers(ListContainersRequest.newBuilder().setFilter(filter).build())
                .getContainersList().stream().map(x -> x.getId()).toList();
    }

    // ------------------------------------------------------------ runtime personalities

    @Test
    void legacyModeNeverReportsResources() {
        start(CgroupVersion.V1, FakeRuntime.builder().legacy(true));
        String id = createContainer(runSandbox(), "app", resources(512, 50_000, 256L << 20));
        update(id, LinuxContainerResources.newBuilder().setCpuShares(1024).build());

        ContainerStatus st = status(id);

        assertThat(st.hasResources()).isFalse();
        assertThat(v1("cpu", id, "cpu.shares")).as("the cgroup is still written").isEqualTo("1024");
        assertThat(runtime.container(id).orElseThrow().getResources().getLinux().getCpuShares()).isEqualTo(1024);
    }

    @Test
    void roundingModeReportsAndWritesRoundedValues() {
        start(CgroupVersion.V1, FakeRuntime.builder().rounding(Rounding.TYPICAL));
        String id = createContainer(runSandbox(), "app", resources(512, 55_555, 100_000_000));

        LinuxContainerResources r = status(id).getResources().getLinux();

        assertThat(r.getMemoryLimitInBytes()).isEqualTo(100_000_000L / 4096 * 4096);
        assertThat(r.getCpuQuota()).as("10ms steps per second of CPU").isEqualTo(56_000);
        assertThat(r.getCpuShares()).as("512 through cpu.weight 20").isEqualTo(501);
        assertThat(v1("memory", id, "memory.limit_in_bytes")).isEqualTo(Long.toString(100_000_000L / 4096 * 4096));
        assertThat(v1("cpu", id, "cpu.cfs_quota_us")).isEqualTo("56000");

        update(id, LinuxContainerResources.newBuilder().setMemoryLimitInBytes(4097).setCpuQuota(20_000).build());

        assertThat(status(id).getResources().getLinux().getMemoryLimitInBytes()).isEqualTo(4096);
        assertThat(status(id).getResources().getLinux().getCpuQuota()).isEqualTo(20_000);
    }

    @Test
    void updatePodSandboxResourcesIsStoredOrUnimplemented() {
        String sandbox = runSandbox();
        LinuxContainerResources r = resources(1024, 100_000, 1L << 30);

        cri.updatePodSandboxResources(UpdatePodSandboxResourcesRequest.newBuilder()
                .setPodSandboxId(sandbox).setResources(r).build());
        assertThat(runtime.sandboxResources(sandbox)).contains(r);

        runtime.setPodSandboxResourcesUnimplemented(true);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> cri.updatePodSandboxResources(UpdatePodSandboxResourcesRequest.newBuilder()
                        .setPodSandboxId(sandbox).setResources(resources(2, 0, 0)).build()));
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(runtime.sandboxResources(sandbox)).contains(r);
    }

    @Test
    void versionReportsTheConfiguredRuntime() {
        start(CgroupVersion.V1, FakeRuntime.builder().runtimeName("containerd").runtimeApiVersion("v1alpha2"));

        var v = cri.version(VersionRequest.newBuilder().setVersion("0.1.0").build());

        assertThat(v.getRuntimeName()).isEqualTo("containerd");
        assertThat(v.getRuntimeApiVersion()).isEqualTo("v1alpha2");
    }

    // ------------------------------------------------------------ faults, latency, recording

    @Test
    void injectedErrorFailsTheNextNCallsAndChangesNothing() {
        String id = createContainer(runSandbox(), "app", resources(512, 50_000, 256L << 20));
        runtime.injectError(CriRpc.UPDATE_CONTAINER_RESOURCES, Status.UNAVAILABLE.withDescription("injected"), 2);
        LinuxContainerResources bigger = LinuxContainerResources.newBuilder().setCpuShares(2048).build();

        for (int i = 0; i < 2; i++) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> update(id, bigger));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(v1("cpu", id, "cpu.shares")).isEqualTo("512");
        }
        update(id, bigger);

        assertThat(v1("cpu", id, "cpu.shares")).isEqualTo("2048");
        assertThat(runtime.calls(CriRpc.UPDATE_CONTAINER_RESOURCES)).hasSize(3)
                .allSatisfy(c -> assertThat(c.id()).isEqualTo(id));
    }

    @Test
    void anErrorAfterApplyChangesTheContainerAndStillAnswersTheError() {
        String id = createContainer(runSandbox(), "app", resources(512, 50_000, 256L << 20));
        runtime.injectErrorAfterApply(CriRpc.UPDATE_CONTAINER_RESOURCES,
                Status.DEADLINE_EXCEEDED.withDescription("context deadline exceeded"), 1);
        LinuxContainerResources bigger = LinuxContainerResources.newBuilder().setCpuShares(2048).build();

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> update(id, bigger));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(v1("cpu", id, "cpu.shares")).isEqualTo("2048");
        assertThat(status(id).getResources().getLinux().getCpuShares()).isEqualTo(2048);
        update(id, bigger); // the next call answers OK: the fault was for one call
    }

    @Test
    void injectedErrorUntilClearedAndOnlyForItsRpc() {
        String id = createContainer(runSandbox(), "app", resources(512, 50_000, 256L << 20));
        runtime.injectError(CriRpc.CONTAINER_STATUS, Status.INTERNAL.withDescription("boom"));

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> status(id)).isInstanceOf(StatusRuntimeException.class).hasMessageContaining("boom");
        }
        update(id, LinuxContainerResources.newBuilder().setCpuShares(1024).build());
        runtime.clearErrors();

        assertThat(status(id).getResources().getLinux().getCpuShares()).isEqualTo(1024);
    }

    @Test
    void latencyBeyondTheDeadlineCancelsTheCallWhichThenChangesNothing() {
        String id = createContainer(runSandbox(), "app", resources(512, 50_000, 256L << 20));
        runtime.setLatency(CriRpc.UPDATE_CONTAINER_RESOURCES, Duration.ofSeconds(30));

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(200, TimeUnit.MILLISECONDS)
                        .updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(id)
                                .setLinux(LinuxContainerResources.newBuilder().setCpuShares(2048)).build()));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        runtime.clearLatencies();
        assertThat(status(id).getResources().getLinux().getCpuShares()).isEqualTo(512);
        assertThat(v1("cpu", id, "cpu.shares")).isEqualTo("512");
    }

    @Test
    void recordedCallsAndCgroupWritesShareOneSequence() {
        List<String> order = new CopyOnWriteArrayList<>();
        runtime.addCallListener(c -> order.add(c.sequence() + " cri " + c.rpc().methodName()));
        tree.manager.addListener((CgroupWrite w) ->
                order.add(sequence.incrementAndGet() + " write " + w.file().getFileName()));
        String sandbox = runSandbox();

        String id = createContainer(sandbox, "app", LinuxContainerResources.newBuilder().setCpuShares(512).build());
        update(id, LinuxContainerResources.newBuilder().setMemoryLimitInBytes(1L << 30).build());

        assertThat(order).containsExactly(
                "1 cri RunPodSandbox",
                "2 cri CreateContainer",
                "3 write cpu.shares",
                "4 cri UpdateContainerResources",
                "5 write memory.limit_in_bytes");
        assertThat(runtime.calls()).extracting(RecordedCall::sequence).containsExactly(1L, 2L, 4L);
        assertThat(runtime.calls().get(1).request()).isInstanceOf(CreateContainerRequest.class);
        assertThat(runtime.calls().get(1).id()).isEqualTo(sandbox);
        assertThat(runtime.calls().get(2).at()).isEqualTo(T0);
    }

    // ------------------------------------------------------------ events and restarts

    List<ContainerEventResponse> subscribe() {
        List<ContainerEventResponse> events = new CopyOnWriteArrayList<>();
        RuntimeServiceGrpc.newStub(channel).getContainerEvents(GetEventsRequest.getDefaultInstance(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(ContainerEventResponse value) {
                        events.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        await().atMost(Duration.ofSeconds(5)).until(() -> runtime.eventSubscriberCount() > 0);
        return events;
    }

    @Test
    void eventsStreamInOrderWithContainerStatuses() {
        String sandbox = runSandbox();
        List<ContainerEventResponse> first = subscribe();
        List<ContainerEventResponse> second = subscribe();

        String id = createContainer(sandbox, "app", resources(512, 50_000, 256L << 20));
        cri.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        cri.stopContainer(StopContainerRequest.newBuilder().setContainerId(id).build());
        cri.removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());

        await().atMost(Duration.ofSeconds(5)).until(() -> first.size() == 4 && second.size() == 4);
        assertThat(first).isEqualTo(second);
        assertThat(first).extracting(ContainerEventResponse::getContainerEventType).containsExactly(
                ContainerEventType.CONTAINER_CREATED_EVENT, ContainerEventType.CONTAINER_STARTED_EVENT,
                ContainerEventType.CONTAINER_STOPPED_EVENT, ContainerEventType.CONTAINER_DELETED_EVENT);
        assertThat(first).allSatisfy(e -> {
            assertThat(e.getContainerId()).isEqualTo(id);
            assertThat(e.getPodSandboxStatus().getId()).isEqualTo(sandbox);
            assertThat(e.getContainersStatuses(0).getId()).isEqualTo(id);
        });
        assertThat(first).extracting(e -> e.getContainersStatuses(0).getState()).containsExactly(
                ContainerState.CONTAINER_CREATED, ContainerState.CONTAINER_RUNNING,
                ContainerState.CONTAINER_EXITED, ContainerState.CONTAINER_EXITED);
    }

    @Test
    void restartBehindTheAgentsBackMakesANewContainerWithTheCreationResources() {
        String sandbox = runSandbox();
        String id = createContainer(sandbox, "app", resources(512, 50_000, 256L << 20));
        cri.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        update(id, LinuxContainerResources.newBuilder().setCpuShares(2048).build());

        String next = runtime.restartContainer(id);

        assertThat(next).isNotEqualTo(id).matches("[0-9a-f]{64}");
        assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(status(id).getExitCode()).isEqualTo(137);
        ContainerStatus st = status(next);
        assertThat(st.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(st.getMetadata().getAttempt()).isEqualTo(1);
        assertThat(st.getResources().getLinux().getCpuShares()).isEqualTo(512);
        assertThat(v1("cpu", next, "cpu.shares")).isEqualTo("512");
        assertThat(listContainers(ContainerFilter.newBuilder().setPodSandboxId(sandbox).build()))
                .containsExactly(id, next);
    }

    // ------------------------------------------------------------ call log and counts

    @Test
    void theCallLogKeepsTheLatestCallsWhileCountsStayExact() {
        start(CgroupVersion.V1, FakeRuntime.builder().callLogCapacity(3));

        for (int i = 0; i < 5; i++) {
            cri.version(VersionRequest.getDefaultInstance());
        }
        cri.listPodSandbox(ListPodSandboxRequest.getDefaultInstance());

        assertThat(runtime.calls()).extracting(RecordedCall::sequence).containsExactly(4L, 5L, 6L);
        assertThat(runtime.calls(CriRpc.VERSION)).hasSize(2);
        assertThat(runtime.droppedCalls()).isEqualTo(3);
        assertThat(runtime.callCount(CriRpc.VERSION)).isEqualTo(5);
        assertThat(runtime.callCount(CriRpc.LIST_POD_SANDBOX)).isEqualTo(1);
        assertThat(runtime.callCounts()).hasSize(CriRpc.values().length)
                .containsEntry(CriRpc.VERSION, 5L).containsEntry(CriRpc.STATUS, 0L);

        runtime.clearCalls();

        assertThat(runtime.calls()).isEmpty();
        assertThat(runtime.callCount(CriRpc.VERSION)).isEqualTo(5);
    }

    @Test
    void theDefaultLogIsBoundedAndAnUnboundedOneIsAskedFor() {
        int calls = FakeRuntime.DEFAULT_CALL_LOG_CAPACITY + 10;
        for (int i = 0; i < calls; i++) {
            cri.status(dev.resizelet.cri.v1.StatusRequest.getDefaultInstance());
        }
        assertThat(runtime.calls()).hasSize(FakeRuntime.DEFAULT_CALL_LOG_CAPACITY);
        assertThat(runtime.droppedCalls()).isEqualTo(10);
        assertThat(runtime.callCount(CriRpc.STATUS)).isEqualTo(calls);

        start(CgroupVersion.V1, FakeRuntime.builder().unboundedCallLog());
        for (int i = 0; i < calls; i++) {
            cri.status(dev.resizelet.cri.v1.StatusRequest.getDefaultInstance());
        }
        assertThat(runtime.calls()).hasSize(calls);
        assertThat(runtime.droppedCalls()).isZero();
    }

    @Test
    void aNegativeCallLogCapacityIsRefused() {
        assertThatThrownBy(() -> FakeRuntime.builder().callLogCapacity(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }

    @Test
    void aRuntimeWithoutContainerEventsAnswersUnimplementedLikeContainerd16() {
        start(CgroupVersion.V1, FakeRuntime.builder().containerEventsUnimplemented(true));

        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () ->
                RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getContainerEvents(GetEventsRequest.getDefaultInstance()).hasNext());

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(e.getStatus().getDescription()).contains("GetContainerEvents");
        assertThat(runtime.callCount(CriRpc.GET_CONTAINER_EVENTS)).isEqualTo(1);
        assertThat(runtime.eventSubscriberCount()).isZero();

        runtime.setContainerEventsUnimplemented(false);
        subscribe();
        assertThat(runtime.eventSubscriberCount()).isEqualTo(1);
    }

    /** The exit model over the CRI: what StartContainer does with {@code true}, {@code exit N} and {@code sleep N}. */
    @org.junit.jupiter.api.Nested
    class ExitingContainers {
        final ManualExitTimer timer = new ManualExitTimer();

        @BeforeEach
        void withManualTimer() {
            start(CgroupVersion.V1, FakeRuntime.builder().exitTimer(timer));
        }

        String run(String sandbox, String name, List<String> command) {
            ContainerConfig config = containerConfig(name, resources(512, 0, 0)).toBuilder().addAllCommand(command).build();
            String id = cri.createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(sandbox).setConfig(config)
                    .build()).getContainerId();
            cri.startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
            return id;
        }

        @Test
        void exitNExitsAtOnceWithThatCodeAndReasonError() {
            String sandbox = runSandbox();
            List<ContainerEventResponse> events = subscribe();
            clock.advance(Duration.ofSeconds(3));

            String failing = run(sandbox, "init", List.of("sh", "-c", "exit 3"));
            String ok = run(sandbox, "ok", List.of("true"));

            assertThat(status(failing).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
            assertThat(status(failing).getExitCode()).isEqualTo(3);
            assertThat(status(failing).getReason()).isEqualTo("Error");
            assertThat(status(failing).getFinishedAt()).isEqualTo((T0.getEpochSecond() + 3) * 1_000_000_000L);
            assertThat(status(ok).getExitCode()).isZero();
            assertThat(status(ok).getReason()).isEqualTo("Completed");
            await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().filter(e -> e.getContainerId().equals(ok)).count() == 3);
            assertThat(events.stream().filter(e -> e.getContainerId().equals(failing)).map(ContainerEventResponse::getContainerEventType))
                    .containsExactly(ContainerEventType.CONTAINER_CREATED_EVENT, ContainerEventType.CONTAINER_STARTED_EVENT,
                            ContainerEventType.CONTAINER_STOPPED_EVENT);
        }

        @Test
        void sleepNExitsWithZeroWhenTheTimerReachesN() {
            String id = run(runSandbox(), "init", List.of("sleep", "5"));

            timer.advance(Duration.ofSeconds(4));
            assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
            timer.advance(Duration.ofSeconds(1));

            assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
            assertThat(status(id).getExitCode()).isZero();
            assertThat(status(id).getReason()).isEqualTo("Completed");
        }

        @Test
        void aStoppedContainerDoesNotExitAgainLater() {
            String id = run(runSandbox(), "init", List.of("sh", "-c", "sleep 5; exit 4"));

            cri.stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(1).build());
            timer.advance(Duration.ofSeconds(10));

            assertThat(timer.pending()).isZero();
            assertThat(status(id).getExitCode()).as("the stop's code, not the script's").isZero();
        }

        @Test
        void neverExitingCommandsRunUntilStoppedAndTestsCanEndThem() {
            String sandbox = runSandbox();
            String tail = run(sandbox, "a", List.of("sh", "-c", "tail -f /dev/null"));
            String inf = run(sandbox, "b", List.of("sleep", "infinity"));
            String entrypoint = run(sandbox, "c", List.of());

            timer.advance(Duration.ofDays(365));
            assertThat(List.of(tail, inf, entrypoint)).allSatisfy(id ->
                    assertThat(status(id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING));
            runtime.exitContainer(tail, 2);

            assertThat(status(tail).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
            assertThat(status(tail).getExitCode()).isEqualTo(2);
        }
    }
}
