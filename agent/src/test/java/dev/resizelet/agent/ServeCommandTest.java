package dev.resizelet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.resizelet.agent.config.ConfigFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServeCommandTest {
    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();

    /** The flags parsed as picocli parses them, on top of the file, to the config. */
    private AgentConfig config(ConfigFile file, String... args) {
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs(args);
        return ServeCommand.toConfig(serve.settings(file), file.kubeletConfiguration(), warnings);
    }

    private AgentConfig config(String... args) {
        return config(ConfigFile.none(), args);
    }

    @Test
    void allocatableIsCapacityMinusSystemAndKubeReservedMinusTheHardEvictionThreshold() {
        AgentConfig c = config("--capacity-cpu=4", "--capacity-memory=8Gi", "--system-reserved=cpu=500m,memory=1Gi",
                "--kube-reserved=cpu=100m,memory=256Mi", "--eviction-hard=memory.available<200Mi,nodefs.available<10%");

        assertThat(c.allocatableCpuMillis()).isEqualTo(3400);
        assertThat(c.allocatableMemoryBytes()).isEqualTo((8L << 30) - (1L << 30) - (256L << 20) - (200L << 20));
    }

    @Test
    void theKubeletsDefaultEvictionThresholdIs100MiAndAPercentageIsOfCapacity() {
        assertThat(config("--capacity-cpu=4", "--capacity-memory=8Gi").allocatableMemoryBytes()).isEqualTo((8L << 30) - (100L << 20));
        assertThat(config("--capacity-cpu=4", "--capacity-memory=10Gi", "--eviction-hard=memory.available<10%")
                .allocatableMemoryBytes()).isEqualTo(9L << 30);
    }

    @Test
    void extendedResourcesAreReadAndBadOnesNamed() {
        AgentConfig c = config("--capacity-cpu=4", "--capacity-memory=8Gi",
                "--extended-resources=example.com/dongle=4, vendor.io/fpga=0");
        assertThat(c.extendedResources()).containsExactlyInAnyOrderEntriesOf(
                java.util.Map.of("example.com/dongle", 4L, "vendor.io/fpga", 0L));

        assertThat(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> config("--capacity-cpu=4", "--capacity-memory=8Gi", "--extended-resources=cpu=4")).getMessage())
                .isEqualTo("--extended-resources: \"cpu=4\" is not NAME=N with NAME an extended resource (a "
                        + "domain-prefixed name outside kubernetes.io/, e.g. example.com/dongle=4)");
        assertThat(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> config("--capacity-cpu=4", "--capacity-memory=8Gi", "--extended-resources=example.com/d=1.5"))
                .getMessage()).isEqualTo("--extended-resources: example.com/d must be a whole non-negative number, got \"1.5\"");
        assertThat(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> config("--capacity-cpu=4", "--capacity-memory=8Gi", "--extended-resources=kubernetes.io/x=1")))
                .hasMessageContaining("is not NAME=N");
    }

    @Test
    void kubeletFlagFormsAreRead() {
        AgentConfig c = config("--container-runtime-endpoint=unix:///run/containerd/containerd.sock",
                "--runtime-request-timeout=2m30s", "--cgroup-driver=systemd", "--cgroup-root=/", "--max-pods=250",
                "--capacity-cpu=4", "--capacity-memory=8Gi");

        assertThat(c.criEndpoint()).isEqualTo("unix:///run/containerd/containerd.sock");
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(150));
        assertThat(c.cgroupDriver()).isEqualTo("systemd");
        assertThat(c.cgroupTop()).isEqualTo("kubepods");
        assertThat(c.maxPods()).isEqualTo(250);
        assertThat(warnings).isEmpty();
    }

    @Test
    void theOlderNamesStillWorkWithAWarningForTheRenamedOnes() {
        AgentConfig c = config("--cri-endpoint", "/run/containerd/containerd.sock", "--request-timeout", "10s",
                "--reserved-cpu", "1", "--reserved-memory", "2Gi", "--capacity-cpu=4", "--capacity-memory=8Gi");

        assertThat(c.criEndpoint()).isEqualTo("unix:///run/containerd/containerd.sock");
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.allocatableCpuMillis()).isEqualTo(3000);
        assertThat(c.allocatableMemoryBytes()).isEqualTo((6L << 30) - (100L << 20));
        assertThat(warnings).hasSize(2).anySatisfy(w -> assertThat(w).contains("--system-reserved=cpu=1"))
                .anySatisfy(w -> assertThat(w).contains("--system-reserved=memory=2Gi"));
    }

    @Test
    void aCgroupMountPointGivenAsCgroupRootIsReadAsTheMountWithAWarning() throws IOException {
        Path mount = Files.createDirectories(dir.resolve("cgroup"));
        Files.createDirectories(mount.resolve("cpu"));
        Files.createDirectories(mount.resolve("memory"));

        AgentConfig c = config("--cgroup-root", mount.toString(), "--capacity-cpu=4", "--capacity-memory=8Gi");

        assertThat(c.cgroupMount()).isEqualTo(mount);
        assertThat(warnings).singleElement().asString().contains("--cgroup-mount");
    }

    @Test
    void aRootCgroupOtherThanTheKubeletsDefaultIsRefusedSayingWhy() {
        assertThatThrownBy(() -> config("--cgroup-root=/custom", "--capacity-cpu=4", "--capacity-memory=8Gi"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--cgroup-root \"/custom\"")
                .hasMessageContaining("--cgroup-mount");
    }

    @Test
    void theStaticMemoryManagerNeedsReservedMemoryToMatchWhatAllocatableReservesAsTheKubeletChecks() {
        String[] base = {"--capacity-cpu=4", "--capacity-memory=8Gi", "--memory-manager-policy=Static",
                "--system-reserved=memory=1Gi", "--eviction-hard=memory.available<100Mi"};

        assertThat(config(concat(base, "--reserved-memory=0:memory=1124Mi")).memoryManagerPolicy()).isEqualTo("Static");
        assertThatThrownBy(() -> config(concat(base, "--reserved-memory=0:memory=512Mi;1:memory=512Mi")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the total amount \"1Gi\" of type \"memory\" is not equal to the value \"1124Mi\"");
    }

    @Test
    void flagsWinOverTheKubeletConfiguration() throws IOException {
        Path f = dir.resolve("config.yaml");
        Files.writeString(f, """
                apiVersion: kubelet.config.k8s.io/v1beta1
                kind: KubeletConfiguration
                maxPods: 60
                systemReserved: {cpu: "1", memory: 1Gi}
                """);

        AgentConfig c = config(ConfigFile.read(f), "--max-pods=30", "--capacity-cpu=4", "--capacity-memory=8Gi");

        assertThat(c.maxPods()).isEqualTo(30);
        assertThat(c.allocatableCpuMillis()).isEqualTo(3000);
        assertThat(c.criEndpoint()).isEqualTo(ConfigFile.KUBELET_DEFAULT_ENDPOINT);
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void aFlagGivenTwiceTakesTheLastValueAsTheKubeletsFlagsDo() {
        CommandLine cli = Main.commandLine();
        cli.parseArgs("serve", "--max-pods=10", "--max-pods=20", "--capacity-cpu=4", "--capacity-memory=8Gi");
        ServeCommand serve = (ServeCommand) cli.getSubcommands().get("serve").getCommand();

        assertThat(ServeCommand.toConfig(serve.settings(ConfigFile.none()), false, warnings).maxPods()).isEqualTo(20);
    }

    @Test
    void withNoRuntimeAndNoKubeletConfigurationItRunsSimulated() {
        assertThat(config("--capacity-cpu=4", "--capacity-memory=8Gi").simulated()).isTrue();
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }


    @Test
    void authorizationIsAlwaysAllowByDefaultAndAbacNeedsItsPolicyFile() throws IOException {
        assertThat(config("--capacity-cpu=4", "--capacity-memory=8Gi").authorizationMode())
                .isEqualTo(dev.resizelet.agent.authz.AuthorizationMode.AlwaysAllow);
        Path policy = Files.writeString(dir.resolve("policy.jsonl"), "");

        AgentConfig abac = config("--capacity-cpu=4", "--capacity-memory=8Gi", "--authorization-mode=ABAC",
                "--authorization-policy-file=" + policy);

        assertThat(abac.authorizationMode()).isEqualTo(dev.resizelet.agent.authz.AuthorizationMode.ABAC);
        assertThat(abac.authorizationPolicyFile()).isEqualTo(policy);
        assertThatThrownBy(() -> config("--capacity-cpu=4", "--capacity-memory=8Gi", "--authorization-mode=ABAC"))
                .hasMessage("--authorization-mode=ABAC needs --authorization-policy-file");
        assertThatThrownBy(() -> config("--capacity-cpu=4", "--capacity-memory=8Gi", "--authorization-mode=RBAC"))
                .hasMessageStartingWith("--authorization-mode must be AlwaysAllow or ABAC, got \"RBAC\"");
    }

    @Test
    void aKubeletConfigurationsAlwaysAllowIsReadAndTheFlagWins() throws IOException {
        Path file = Files.writeString(dir.resolve("config.yaml"), """
                apiVersion: kubelet.config.k8s.io/v1beta1
                kind: KubeletConfiguration
                authorization:
                  mode: AlwaysAllow
                """);
        Path policy = Files.writeString(dir.resolve("policy.jsonl"), "");
        ConfigFile read = ConfigFile.read(file);

        assertThat(read.settings()).containsEntry("authorization-mode", "AlwaysAllow");
        assertThat(read.ignored()).doesNotContain("authorization");
        assertThat(config(read, "--capacity-cpu=4", "--capacity-memory=8Gi", "--authorization-mode=ABAC",
                "--authorization-policy-file=" + policy).authorizationMode())
                .isEqualTo(dev.resizelet.agent.authz.AuthorizationMode.ABAC);
    }

    @Test
    void alwaysAllowBeyondLoopbackIsWarnedAbout() {
        Path pem = dir.resolve("x.pem");
        config("--capacity-cpu=4", "--capacity-memory=8Gi", "--listen=0.0.0.0:8443", "--tls-cert-file=" + pem,
                "--tls-private-key-file=" + pem, "--client-ca-file=" + pem);

        assertThat(warnings).singleElement().asString().startsWith("--authorization-mode=AlwaysAllow on --listen 0.0.0.0:8443: "
                + "every client the client CA vouches for may do everything");
    }
}
