package dev.resizelet.bench;

import dev.resizelet.core.model.Quantity;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Parsing one Kubernetes quantity as it arrives in a pod spec, and reading it as the admission sums do. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class QuantityBenchmark {
    @Param({"500m", "2", "128Mi", "1.5Gi", "1e3", "100k"})
    public String text;

    @Benchmark
    public Quantity parse() {
        return Quantity.parse(text);
    }

    @Benchmark
    public long parseToMillis() {
        return Quantity.parse(text).milliValue();
    }
}
