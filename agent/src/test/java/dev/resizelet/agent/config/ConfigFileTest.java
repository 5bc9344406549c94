package dev.resizelet.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
    @TempDir
    Path dir;

    /** /var/lib/kubelet/config.yaml as kubeadm 1.33 writes it, with the reservations an operator adds. */
    static final String KUBEADM = """
            apiVersion: kubelet.config.k8s.io/v1beta1
            authentication:
              anonymous:
                enabled: false
              webhook:
                cacheTTL: 0s
                enabled: true
              x509:
                clientCAFile: /etc/kubernetes/pki/ca.crt
            authorization:
              mode: Webhook
            cgroupDriver: systemd
            clusterDNS:
            - 10.96.0.10
            clusterDomain: cluster.local
            containerRuntimeEndpoint: unix:///var/run/containerd/containerd.sock
            cpuManagerReconcilePeriod: 0s
            evictionHard:
              memory.available: 200Mi
              nodefs.available: 10%
            kind: KubeletConfiguration
            kubeReserved:
              cpu: 100m
              memory: 256Mi
            logging:
              flushFrequency: 0
              options:
                json:
                  infoBufferSize: "0"
              verbosity: 0
            maxPods: 60
            rotateCertificates: true
            runtimeRequestTimeout: 0s
            staticPodPath: /etc/kubernetes/manifests
            systemReserved:
              cpu: 500m
              memory: 1Gi
              ephemeral-storage: 1Gi
            """;

    private Path write(String text) throws IOException {
        Path f = dir.resolve("config.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void kubeadmKubeletConfigurationMapsToTheKubeletsFlags() throws IOException {
        ConfigFile file = ConfigFile.read(write(KUBEADM));

        assertThat(file.kubeletConfiguration()).isTrue();
        assertThat(file.settings())
                .containsEntry("container-runtime-endpoint", "unix:///var/run/containerd/containerd.sock")
                .containsEntry("cgroup-driver", "systemd")
                .containsEntry("system-reserved", "cpu=500m,memory=1Gi")
                .containsEntry("kube-reserved", "cpu=100m,memory=256Mi")
                .containsEntry("eviction-hard", "memory.available<200Mi")
                .containsEntry("max-pods", "60")
                .containsEntry("v", "0")
                .doesNotContainKey("runtime-request-timeout"); // 0s: the kubelet's default
        assertThat(file.ignored()).containsExactly("authentication", "authorization", "clusterDNS", "clusterDomain",
                "cpuManagerReconcilePeriod", "logging.flushFrequency", "logging.options", "rotateCertificates", "staticPodPath");
    }

    @Test
    void aKubeletConfigurationWithoutAnEndpointMeansTheKubeletsDefaultRuntime() throws IOException {
        ConfigFile file = ConfigFile.read(write("""
                apiVersion: kubelet.config.k8s.io/v1beta1
                kind: KubeletConfiguration
                containerRuntimeEndpoint: ""
                runtimeRequestTimeout: 4m0s
                cpuManagerPolicy: static
                memoryManagerPolicy: Static
                reservedMemory:
                - numaNode: 0
                  limits:
                    memory: 1100Mi
                """));

        assertThat(file.settings())
                .containsEntry("container-runtime-endpoint", ConfigFile.KUBELET_DEFAULT_ENDPOINT)
                .containsEntry("runtime-request-timeout", "4m0s")
                .containsEntry("cpu-manager-policy", "static")
                .containsEntry("memory-manager-policy", "Static")
                .containsEntry("reserved-memory", "0:memory=1100Mi");
        assertThat(file.ignored()).isEmpty();
    }

    @Test
    void theFlatFileTakesOptionNamesAndTheOlderAliases() throws IOException {
        ConfigFile file = ConfigFile.read(write("listen: 127.0.0.1:9000\ncri-endpoint: unix:///run/x.sock\nrequest-timeout: 5s\n"));

        assertThat(file.kubeletConfiguration()).isFalse();
        assertThat(file.settings()).containsEntry("listen", "127.0.0.1:9000")
                .containsEntry("container-runtime-endpoint", "unix:///run/x.sock")
                .containsEntry("runtime-request-timeout", "5s");
    }

    @Test
    void anotherApiVersionIsRefusedWithWhatIsExpected() throws IOException {
        Path f = write("apiVersion: kubelet.config.k8s.io/v1alpha9\nkind: KubeletConfiguration\n");

        assertThatThrownBy(() -> ConfigFile.read(f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kubelet.config.k8s.io/v1beta1").hasMessageContaining("v1alpha9");
    }

    @Test
    void anUnknownFlatKeyIsRefusedNamingTheKnownOnes() throws IOException {
        Path f = write("lisen: 1\n");

        assertThatThrownBy(() -> ConfigFile.read(f)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown key \"lisen\"").hasMessageContaining("container-runtime-endpoint");
    }
}
