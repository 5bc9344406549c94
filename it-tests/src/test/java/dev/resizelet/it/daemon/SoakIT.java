package dev.resizelet.it.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.resizelet.cgroups.CgroupConfig;
import dev.resizelet.cgroups.CgroupDriver;
import dev.resizelet.cgroups.CgroupFs;
import dev.resizelet.cgroups.CgroupManager;
import dev.resizelet.cgroups.CgroupVersion;
import dev.resizelet.fakecri.FakeRuntime;
import dev.resizelet.fakecri.FakeRuntimeServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak: the daemon ({@code resizelet serve}, its own JVM, on the fake runtime this JVM serves on a Unix socket and
 * a cgroup v1 tree in a temp dir) relisting every 10 ms with 110 pods while a
 * resize churn runs through the HTTP API (resizes through {@code pods/NAME/resize}, some Deferred; pods force-deleted
 * and created again under the same name; a watch open all along; events listed every second). Every sample is the
 * daemon's live heap after a full collection ({@code jcmd PID GC.class_histogram}, which collects first and totals the
 * live objects). After the warm-up the heap must be flat: the least-squares slope of the samples stays under a bound.
 * <p>CI runs the short form (60 s, the second half measured); {@code scripts/soak.sh MINUTES} the long one, with the
 * same checks and a tighter bound.
 */
class SoakIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TOTAL = Pattern.compile("(?m)^Total\\s+(\\d+)\\s+(\\d+)\\s*$");
    private static final int PODS = 110;
    private static final double MIB = 1024.0 * 1024.0;

    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private String url;

    /** The run's shape: {@code -Dresizelet.soak.seconds} (45), the samples' spacing and the bound on the slope. */
    private record Plan(Duration length, Duration warmUp, Duration every, double boundMibPerMinute) {
        static Plan fromProperties() {
            long seconds = Long.getLong("resizelet.soak.seconds", 60);
            Duration length = Duration.ofSeconds(seconds);
            // warm-up: until the bounded structures are full (watch history 1,000 events, events 1,000, JIT, pools)
            Duration warmUp = Duration.ofSeconds(seconds <= 120 ? seconds / 2 : Math.min(120, Math.max(60, seconds / 4)));
            Duration every = Duration.ofSeconds(seconds <= 120 ? 3 : 10);
            // a short run measures half a minute, which may still hold the last of the bounded structures' filling (watch
            // history and events, ~2 MiB together): its bound only catches a leak of more than ~8 KB per resize
            double bound = Double.parseDouble(System.getProperty("resizelet.soak.boundMibPerMinute", seconds <= 120 ? "6" : "1"));
            return new Plan(length, warmUp, every, bound);
        }
    }

    private record Sample(double seconds, long liveBytes) {
    }

    @Test
    void liveHeapStaysFlatUnderRelistEvery10msAndAResizeChurn() throws Exception {
        Plan plan = Plan.fromProperties();
        assumeTrue(Files.isExecutable(Path.of(System.getProperty("java.home"), "bin", "jcmd")),
                "needs the JDK's jcmd to read the daemon's live heap");
        Path cgroupRoot = dir.resolve("cgroup");
        for (String controller : new String[] {"cpu", "memory", "cpuset", "pids"}) {
            Files.createDirectories(cgroupRoot.resolve(controller).resolve("kubepods"));
        }
        CgroupConfig cgroups = new CgroupConfig(cgroupRoot, "kubepods", CgroupVersion.V1, CgroupDriver.CGROUPFS);
        // the runtime lives in this JVM (its call log is a bounded ring of its own): the daemon's heap is the agent's
        FakeRuntime fake = FakeRuntime.builder().cgroups(new CgroupManager(cgroups, CgroupFs.real())).build();
        try (FakeRuntimeServer runtime = FakeRuntimeServer.unixSocket(fake, dir.resolve("cri.sock"));
             DaemonProcess daemon = DaemonProcess.start(dir.resolve("state"), "--container-runtime-endpoint", runtime.endpoint(),
                     "--cgroup-mount", cgroupRoot.toString(), "--cgroup-version", "v1", "--relist-period", "10ms",
                     "--max-pods", "110", "--allocatable-cpu", "40", "--allocatable-memory", "64Gi")) {
            url = daemon.url();
            for (int i = 0; i < PODS; i++) {
                HttpResponse<String> r = send("POST", "/api/v1/namespaces/default/pods", "application/json", pod("p" + i, 100));
                assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            }
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> running() == PODS);

            Churn churn = new Churn();
            List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
            AtomicReference<String> firstAfterWarmUpRef = new AtomicReference<>("");
            AtomicReference<String> lastHistogramRef = new AtomicReference<>("");
            long t0 = System.nanoTime();
            churn.start();
            // the sampler runs on a fixed-rate schedule for the plan's length; a failed sample fails the test
            ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
            ScheduledFuture<?> sampling = sampler.scheduleAtFixedRate(() -> {
                double at = (System.nanoTime() - t0) / 1e9;
                Histogram h;
                try {
                    h = liveHeap(daemon.pid());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (at >= plan.warmUp().toSeconds()) {
                    firstAfterWarmUpRef.compareAndSet("", h.text());
                }
                lastHistogramRef.set(h.text());
                samples.add(new Sample(at, h.liveBytes()));
                System.out.printf(Locale.ROOT, "soak sample t=%.0fs live=%.1f MiB resizes=%d replaced=%d watchEvents=%d%n",
                        at, h.liveBytes() / MIB, churn.resizes.get(), churn.replaced.get(), churn.watchEvents.get());
            }, 0, plan.every().toMillis(), TimeUnit.MILLISECONDS);
            try {
                sampling.get(plan.length().toMillis(), TimeUnit.MILLISECONDS);
                throw new AssertionError("the sampler stopped before the soak's end");
            } catch (TimeoutException endOfPlan) {
                // the soak ran its length
            } catch (ExecutionException e) {
                throw new AssertionError("a live-heap sample failed", e.getCause());
            } finally {
                sampling.cancel(false);
                sampler.shutdown();
                sampler.awaitTermination(30, TimeUnit.SECONDS);
                churn.stop();
            }
            String firstAfterWarmUp = firstAfterWarmUpRef.get();
            String lastHistogram = lastHistogramRef.get();
            List<Sample> taken = List.copyOf(samples);
            assertThat(daemon.output()).doesNotContain("OutOfMemoryError");
            long relists = fake.callCount(dev.resizelet.fakecri.CriRpc.LIST_CONTAINERS);
            System.out.printf(Locale.ROOT, "soak runtime calls: ListContainers %d (%.0f/s)%n", relists,
                    relists / ((System.nanoTime() - t0) / 1e9));

            List<Sample> after = taken.stream().filter(s -> s.seconds() >= plan.warmUp().toSeconds()).toList();
            double slope = slopePerMinute(after) / MIB;
            boolean pass = slope <= plan.boundMibPerMinute();
            System.out.printf(Locale.ROOT, "soak: pods %d, relist 10ms, %ds (warm-up %ds), resizes acknowledged %d, of them answered while Deferred "
                            + "%d, pods replaced %d, watch events %d, event lists %d, samples after warm-up %d, live heap first %.1f "
                            + "MiB, last %.1f MiB, max %.1f MiB, slope %.2f MiB/min (bound %.1f): %s%n",
                    PODS, plan.length().toSeconds(), plan.warmUp().toSeconds(), churn.resizes.get(), churn.deferred.get(),
                    churn.replaced.get(), churn.watchEvents.get(), churn.eventLists.get(), after.size(),
                    after.get(0).liveBytes() / MIB, after.get(after.size() - 1).liveBytes() / MIB,
                    after.stream().mapToLong(Sample::liveBytes).max().orElse(0) / MIB, slope, plan.boundMibPerMinute(),
                    pass ? "PASS" : "FAIL");
            System.out.println("soak growth after warm-up by class (live bytes): " + topGrowth(firstAfterWarmUp, lastHistogram, 8));
            assertThat(after).hasSizeGreaterThanOrEqualTo(4);
            assertThat(churn.resizes.get()).as("the churn ran").isGreaterThan(100);
            assertThat(churn.errors.get()).as("unexpected answers: " + churn.lastError).isZero();
            assertThat(slope).as("live heap slope after warm-up, MiB/min").isLessThanOrEqualTo(plan.boundMibPerMinute());
        }
    }

    /** Least-squares slope of live bytes over time, in bytes per minute. */
    static double slopePerMinute(List<Sample> samples) {
        double n = samples.size();
        double mx = samples.stream().mapToDouble(Sample::seconds).sum() / n;
        double my = samples.stream().mapToDouble(Sample::liveBytes).sum() / n;
        double num = 0;
        double den = 0;
        for (Sample s : samples) {
            num += (s.seconds() - mx) * (s.liveBytes() - my);
            den += (s.seconds() - mx) * (s.seconds() - mx);
        }
        return den == 0 ? 0 : num / den * 60;
    }

    /** A {@code GC.class_histogram}: the live bytes in total, and the text (one row per class). */
    record Histogram(long liveBytes, String text) {
    }

    /** The daemon's live heap: {@code GC.class_histogram} runs a full collection and totals what survived it. */
    static Histogram liveHeap(long pid) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.class_histogram").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("jcmd failed: " + out);
        }
        Matcher m = TOTAL.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no Total line in: " + out.lines().limit(5).toList());
        }
        return new Histogram(Long.parseLong(m.group(2)), out);
    }

    private static final Pattern ROW = Pattern.compile("(?m)^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

    /** Bytes per class in a {@code GC.class_histogram}. */
    static java.util.Map<String, Long> byClass(String histogram) {
        java.util.Map<String, Long> out = new java.util.HashMap<>();
        Matcher m = ROW.matcher(histogram);
        while (m.find()) {
            out.merge(m.group(3), Long.parseLong(m.group(2)), Long::sum);
        }
        return out;
    }

    /** The classes whose live bytes grew most between two histograms, for the log of a failing (or any) run. */
    static String topGrowth(String before, String after, int n) {
        java.util.Map<String, Long> a = byClass(before);
        java.util.Map<String, Long> b = byClass(after);
        return b.entrySet().stream()
                .map(e -> java.util.Map.entry(e.getKey(), e.getValue() - a.getOrDefault(e.getKey(), 0L)))
                .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
                .map(e -> String.format(Locale.ROOT, "%s %+d KiB", e.getKey(), e.getValue() / 1024))
                .reduce((x, y) -> x + ", " + y).orElse("");
    }

    private static String pod(String name, int cpuMillis) {
        return """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","labels":{"app":"soak"}},
                 "spec":{"containers":[{"name":"c","image":"nginx","resources":{"requests":{"cpu":"%dm","memory":"64Mi"},
                 "limits":{"cpu":"%dm","memory":"64Mi"}}}]}}""".formatted(name, cpuMillis, cpuMillis);
    }

    private static String resize(int cpuMillis) {
        return "{\"spec\":{\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"" + cpuMillis + "m\"},"
                + "\"limits\":{\"cpu\":\"" + cpuMillis + "m\"}}}]}}";
    }

    private HttpResponse<String> send(String method, String path, String contentType, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(30));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private long running() throws IOException, InterruptedException {
        JsonNode list = JSON.readTree(send("GET", "/api/v1/namespaces/default/pods", null, null).body());
        long n = 0;
        for (JsonNode p : list.path("items")) {
            if ("Running".equals(p.path("status").path("phase").asText())) {
                n++;
            }
        }
        return n;
    }

    /**
     * The load: 50 operations a second (a resize of a random pod to 100m-900m, every 25th a force delete and create of
     * the same name instead), a watch of every pod kept open, the events listed every second.
     */
    private final class Churn {
        final AtomicLong resizes = new AtomicLong();
        final AtomicLong deferred = new AtomicLong();
        final AtomicLong replaced = new AtomicLong();
        final AtomicLong watchEvents = new AtomicLong();
        final AtomicLong eventLists = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        volatile String lastError = "";
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
        private final Random random = new Random(42);
        private Thread watcher;
        private long ops;

        void start() {
            timer.scheduleAtFixedRate(this::operation, 0, 20, TimeUnit.MILLISECONDS);
            timer.scheduleAtFixedRate(this::listEvents, 0, 1, TimeUnit.SECONDS);
            watcher = new Thread(this::watch, "soak-watch");
            watcher.setDaemon(true);
            watcher.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            timer.shutdown();
            timer.awaitTermination(30, TimeUnit.SECONDS);
            watcher.interrupt();
        }

        private void operation() {
            try {
                String name = "p" + random.nextInt(PODS);
                if (++ops % 25 == 0) {
                    HttpResponse<String> d = send("DELETE", "/api/v1/namespaces/default/pods/" + name + "?gracePeriodSeconds=0",
                            null, null);
                    check(d, 200, 404);
                    HttpResponse<String> c = send("POST", "/api/v1/namespaces/default/pods", "application/json", pod(name, 100));
                    check(c, 201, 409); // 409: the old one still being torn down
                    if (c.statusCode() == 201) {
                        replaced.incrementAndGet();
                    }
                    return;
                }
                HttpResponse<String> r = send("PATCH", "/api/v1/namespaces/default/pods/" + name + "/resize",
                        "application/strategic-merge-patch+json", resize(100 + 100 * random.nextInt(9)));
                check(r, 200, 404);
                if (r.statusCode() == 200) {
                    resizes.incrementAndGet();
                    if (r.body().contains("\"Deferred\"")) {
                        deferred.incrementAndGet();
                    }
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                if (running.get()) {
                    errors.incrementAndGet();
                    lastError = e.toString();
                }
            }
        }

        private void check(HttpResponse<String> r, int... ok) {
            for (int code : ok) {
                if (r.statusCode() == code) {
                    return;
                }
            }
            errors.incrementAndGet();
            lastError = r.statusCode() + " " + r.body();
        }

        private void listEvents() {
            try {
                if (send("GET", "/api/v1/events", null, null).statusCode() == 200) {
                    eventLists.incrementAndGet();
                }
            } catch (IOException | InterruptedException e) {
                // counted by what did arrive
            }
        }

        /** A watch of every pod, opened again whenever it ends (as a client re-lists and watches). */
        private void watch() {
            while (running.get() && !Thread.currentThread().isInterrupted()) {
                try {
                    HttpResponse<Stream<String>> r = http.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/pods?watch=true"))
                            .build(), HttpResponse.BodyHandlers.ofLines());
                    try (Stream<String> lines = r.body()) {
                        lines.takeWhile(l -> running.get()).filter(l -> !l.isBlank()).forEach(l -> watchEvents.incrementAndGet());
                    }
                } catch (IOException e) {
                    // the daemon closed it: open again
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
