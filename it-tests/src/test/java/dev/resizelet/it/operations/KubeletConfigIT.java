package dev.resizelet.it.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.fakecri.CriRpc;
import dev.resizelet.fakecri.FakeRuntime;
import dev.resizelet.fakecri.FakeRuntimeServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent started from a kubeadm node's KubeletConfiguration, on a runtime at the endpoint the file names (the fake
 * runtime on a Unix socket, a cgroup v1 tree in a temp dir with the systemd driver's names): the kubelet's reserved
 * resources make node allocatable, the runtime-operation histograms move when a resize runs.
 */
class KubeletConfigIT {
    @TempDir
    Path dir;

    /** /var/lib/kubelet/config.yaml as kubeadm writes it, with the reservations an operator adds. */
    private static String kubeadmConfig(String endpoint) {
        return """
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
                  webhook:
                    cacheAuthorizedTTL: 0s
                    cacheUnauthorizedTTL: 0s
                cgroupDriver: systemd
                clusterDNS:
                - 10.96.0.10
                clusterDomain: cluster.local
                containerRuntimeEndpoint: %s
                cpuManagerReconcilePeriod: 0s
                evictionHard:
                  memory.available: 200Mi
                evictionPressureTransitionPeriod: 0s
                fileCheckFrequency: 0s
                healthzBindAddress: 127.0.0.1
                healthzPort: 10248
                httpCheckFrequency: 0s
                imageMinimumGCAge: 0s
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
                maxPods: 30
                memorySwap: {}
                nodeStatusReportFrequency: 0s
                nodeStatusUpdateFrequency: 0s
                rotateCertificates: true
                runtimeRequestTimeout: 0s
                shutdownGracePeriod: 0s
                shutdownGracePeriodCriticalPods: 0s
                staticPodPath: /etc/kubernetes/manifests
                streamingConnectionIdleTimeout: 0s
                syncFrequency: 0s
                systemReserved:
                  cpu: 500m
                  memory: 1Gi
                volumeStatsAggPeriod: 0s
                """.formatted(endpoint);
    }

    private static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void aKubeadmKubeletConfigurationStartsTheAgentWithItsEndpointAndReservationsAndResizesMoveTheRuntimeHistograms()
            throws Exception {
        Path cgroup = dir.resolve("cgroup");
        for (String controller : new String[] {"cpu", "memory", "cpuset", "pids"}) {
            Files.createDirectories(cgroup.resolve(controller).resolve("kubepods.slice"));
        }
        CgroupConfig cgroups = new CgroupConfig(cgroup, "kubepods", CgroupVersion.V1, CgroupDriver.SYSTEMD);
        FakeRuntime fake = FakeRuntime.builder().cgroups(new CgroupManager(cgroups, CgroupFs.real())).build();
        Path config = dir.resolve("config.yaml");
        try (FakeRuntimeServer cri = FakeRuntimeServer.unixSocket(fake, dir.resolve("containerd.sock"))) {
            Files.writeString(config, kubeadmConfig(cri.endpoint()));
            try (AgentProcess agent = AgentProcess.start(dir, "--config", config.toString(), "--cgroup-mount", cgroup.toString(),
                    "--cgroup-version", "v1", "--capacity-cpu", "4", "--capacity-memory", "8Gi")) {
                // one warning names every field resizelet leaves to the kubelet
                assertThat(agent.stderr().lines().filter(l -> l.contains("KubeletConfiguration fields ignored")))
                        .singleElement().asString()
                        .contains("authentication,authorization,clusterDNS,clusterDomain,cpuManagerReconcilePeriod")
                        .contains("staticPodPath").contains("logging.options").doesNotContain("systemReserved");

                assertThat(agent.send("POST", "/api/v1/namespaces/default/pods", "application/json",
                        AgentProcess.podJson("web", "500m")).statusCode()).isEqualTo(201);
                await().atMost(Duration.ofSeconds(30)).until(() -> "Running".equals(agent.pod("web").path("status").path("phase").asText()));
                String before = agent.metrics();

                agent.send("PATCH", "/api/v1/namespaces/default/pods/web/resize", "application/strategic-merge-patch+json",
                        AgentProcess.resizePatch("800m"));
                await().atMost(Duration.ofSeconds(30)).until(() -> "800m".equals(agent.pod("web").path("status")
                        .path("containerStatuses").path(0).path("resources").path("limits").path("cpu").asText()));
                String after = agent.metrics();

                String updates = "kubelet_runtime_operations_duration_seconds_count{operation_type=\"update_container\"}";
                assertThat(value(after, updates)).isGreaterThan(value(before, updates));
                assertThat(value(after, "kubelet_runtime_operations_total{operation_type=\"container_status\"}"))
                        .isGreaterThan(value(before, "kubelet_runtime_operations_total{operation_type=\"container_status\"}"));
                // the runtime the file names is the one that enacted it
                assertThat(fake.calls(CriRpc.UPDATE_CONTAINER_RESOURCES)).isNotEmpty();
                // Prometheus asks for OpenMetrics first
                var openMetrics = agent.scrape("application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4");
                assertThat(openMetrics.headers().firstValue("Content-Type")).get().asString()
                        .startsWith("application/openmetrics-text; version=1.0.0");
                assertThat(openMetrics.body()).contains("kubelet_runtime_operations_duration_seconds_bucket{operation_type=\"update_container\"")
                        .endsWith("# EOF\n");

                // allocatable = 4 CPUs - 500m system - 100m kube = 3400m: a resize to 3500m is Infeasible against it
                agent.send("PATCH", "/api/v1/namespaces/default/pods/web/resize", "application/strategic-merge-patch+json",
                        AgentProcess.resizePatch("3500m"));
                await().atMost(Duration.ofSeconds(30)).until(() -> "Infeasible".equals(agent.pod("web").path("status").path("resize").asText()));
                assertThat(agent.pod("web").path("status").path("conditions").toString())
                        .contains("Node didn't have enough capacity: cpu, requested: 3500, capacity: 3400");
            }
        }
    }
}
