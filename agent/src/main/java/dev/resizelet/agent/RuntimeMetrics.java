package dev.resizelet.agent;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The kubelet's runtime-operation metrics, names, help and buckets as kubelet's {@code metrics.go} has them:
 * {@code kubelet_runtime_operations_total}, {@code kubelet_runtime_operations_duration_seconds} (exponential
 * buckets from 5 ms by 2.5, 14 of them) and {@code kubelet_runtime_operations_errors_total}, by operation_type.
 */
public final class RuntimeMetrics {
    /** metrics.ExponentialBuckets(.005, 2.5, 14). */
    static final double[] BUCKETS = exponential(0.005, 2.5, 14);

    private final Counter operations;
    private final Histogram duration;
    private final Counter errors;

    public RuntimeMetrics(PrometheusRegistry registry) {
        operations = Counter.builder().name("kubelet_runtime_operations_total")
                .help("Cumulative number of runtime operations by operation type.")
                .labelNames("operation_type").register(registry);
        duration = Histogram.builder().name("kubelet_runtime_operations_duration_seconds")
                .help("Duration in seconds of runtime operations. Broken down by operation type.")
                .classicOnly().classicUpperBounds(BUCKETS).labelNames("operation_type").register(registry);
        errors = Counter.builder().name("kubelet_runtime_operations_errors_total")
                .help("Cumulative number of runtime operation errors by operation type.")
                .labelNames("operation_type").register(registry);
    }

    void observe(String operation, long nanos) {
        operations.labelValues(operation).inc();
        duration.labelValues(operation).observe(nanos / 1e9);
    }

    void error(String operation) {
        errors.labelValues(operation).inc();
    }

    static double[] exponential(double start, double factor, int count) {
        double[] b = new double[count];
        double v = start;
        for (int i = 0; i < count; i++) {
            b[i] = v;
            v *= factor;
        }
        return b;
    }
}
