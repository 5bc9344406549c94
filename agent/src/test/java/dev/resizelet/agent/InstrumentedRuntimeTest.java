package dev.resizelet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.resizelet.core.api.AgentMetrics;
import dev.resizelet.cri.CriClientOptions;
import dev.resizelet.cri.CriException;
import dev.resizelet.cri.GrpcRuntimeClient;
import dev.resizelet.cri.v1.ListContainersRequest;
import dev.resizelet.cri.v1.StatusRequest;
import dev.resizelet.cri.v1.VersionRequest;
import dev.resizelet.fakecri.CriRpc;
import dev.resizelet.fakecri.FakeRuntime;
import dev.resizelet.fakecri.FakeRuntimeServer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The runtime-operation metrics around real CRI calls to the fake runtime (in-process gRPC). */
class InstrumentedRuntimeTest {
    private final FakeRuntime fake = FakeRuntime.builder().build();
    private final FakeRuntimeServer server = FakeRuntimeServer.inProcess(fake, "instrumented-" + System.nanoTime());
    private final ManagedChannel channel = server.newInProcessChannel();
    private final Metrics metrics = new Metrics(List::<com.fasterxml.jackson.databind.node.ObjectNode>of,
            () -> new AgentMetrics(0, 0, 0, 0), Clock.systemUTC());
    private final InstrumentedRuntime runtime = new InstrumentedRuntime(
            new GrpcRuntimeClient(channel, CriClientOptions.defaults()), metrics.runtime());

    @AfterEach
    void close() {
        runtime.close();
        channel.shutdownNow();
        server.close();
    }

    private String scrape() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.write(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static double value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void everyCallIsCountedAndTimedUnderTheKubeletsOperationName() throws Exception {
        runtime.version(VersionRequest.newBuilder().setVersion("0.1.0").build());
        runtime.listContainers(ListContainersRequest.getDefaultInstance());
        runtime.listContainers(ListContainersRequest.getDefaultInstance());

        String text = scrape();

        assertThat(value(text, "kubelet_runtime_operations_total{operation_type=\"version\"}")).isEqualTo(1);
        assertThat(value(text, "kubelet_runtime_operations_total{operation_type=\"list_containers\"}")).isEqualTo(2);
        assertThat(value(text, "kubelet_runtime_operations_duration_seconds_count{operation_type=\"list_containers\"}")).isEqualTo(2);
        assertThat(value(text, "kubelet_runtime_operations_duration_seconds_bucket{operation_type=\"list_containers\",le=\"+Inf\"}"))
                .isEqualTo(2);
        assertThat(value(text, "kubelet_runtime_operations_duration_seconds_sum{operation_type=\"list_containers\"}")).isPositive();
        // the kubelet's buckets: 5ms * 2.5^n, 14 of them
        assertThat(text).contains("le=\"0.005\"").contains("le=\"0.0125\"").contains("le=\"745.0580596923828\"");
        assertThat(text).doesNotContain("kubelet_runtime_operations_errors_total{");
    }

    @Test
    void aFailedCallCountsAnErrorAndStillItsDuration() throws Exception {
        fake.injectError(CriRpc.STATUS, Status.UNAVAILABLE.withDescription("runtime restarting"), 1);

        assertThatThrownBy(() -> runtime.status(StatusRequest.getDefaultInstance())).isInstanceOf(CriException.class);
        runtime.status(StatusRequest.getDefaultInstance());

        String text = scrape();
        assertThat(value(text, "kubelet_runtime_operations_errors_total{operation_type=\"status\"}")).isEqualTo(1);
        assertThat(value(text, "kubelet_runtime_operations_total{operation_type=\"status\"}")).isEqualTo(2);
        assertThat(value(text, "kubelet_runtime_operations_duration_seconds_count{operation_type=\"status\"}")).isEqualTo(2);
    }

}
