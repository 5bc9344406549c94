package dev.resizelet.bench;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.NoBenchmarksException;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** Runs the JMH admission benchmark from inside the harness, so the report can judge the admission target. */
final class Microbenchmarks {
    private Microbenchmarks() {
    }

    /** ns/op of one admission decision by pod count; empty when the benchmark is not in this build. */
    static Map<String, Double> runAdmission() {
        Options opts = new OptionsBuilder()
                .include(AdmissionBenchmark.class.getName() + ".decide")
                .forks(1)
                .warmupIterations(3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(5).measurementTime(TimeValue.seconds(1))
                .timeUnit(TimeUnit.NANOSECONDS)
                .shouldFailOnError(true)
                .build();
        Collection<RunResult> results;
        try {
            results = new Runner(opts).run();
        } catch (NoBenchmarksException e) {
            return Map.of();
        } catch (RunnerException e) {
            throw new IllegalStateException("the admission microbenchmark failed: " + e.getMessage(), e);
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (RunResult r : results) {
            String pods = r.getParams().getParam("pods");
            out.put(Targets.ADMISSION_KEY + pods, r.getPrimaryResult().getScore());
        }
        return out;
    }
}
