package dev.resizelet.bench;

import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.runtime.CriResources;
import dev.resizelet.cri.v1.LinuxContainerResources;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Status conversion: what the runtime reports ({@code ContainerStatus.resources.linux}) back into the millicores
 * and bytes of {@code status.containerStatuses[].resources}, and the comparison with what was applied.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class StatusConversionBenchmark {
    private final LinuxContainerResources reported = LinuxContainerResources.newBuilder()
            .setCpuShares(512).setCpuPeriod(100_000).setCpuQuota(100_000).setMemoryLimitInBytes(256L << 20).build();
    private final byte[] wire = reported.toByteArray();
    private final ResourceValues applied = new ResourceValues(500, 1000, 128L << 20, 256L << 20);

    @Benchmark
    public ResourceValues fromCri() {
        return CriResources.fromCri(reported, 128L << 20);
    }

    @Benchmark
    public boolean fromCriAndCompare() {
        return CriResources.sameAsReported(applied, CriResources.fromCri(reported, 128L << 20));
    }

    /** As the agent meets it: decode the message off the wire, then convert. */
    @Benchmark
    public ResourceValues decodeAndConvert() throws Exception {
        return CriResources.fromCri(LinuxContainerResources.parseFrom(wire), 128L << 20);
    }
}
