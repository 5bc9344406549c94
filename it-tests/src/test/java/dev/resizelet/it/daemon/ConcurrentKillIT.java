package dev.resizelet.it.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} at a random moment while three writers resize three pods concurrently (each writer mostly its own
 * pod, sometimes another's), repeated: after every restart no acknowledged resize is lost (the pod's generation is
 * at least the newest acknowledged one, and holds its value if equal), the node is never overcommitted, and every
 * pod converges (enacted, or Deferred because it does not fit beside the others). Trials: 20 by default;
 * {@code scripts/kill9-trials.sh 100} runs more ({@code -Dresizelet.kill9.trials=N}).
 */
class ConcurrentKillIT {
    private static final int WRITERS = 3;
    private static final List<String> PODS = List.of("p0", "p1", "p2");
    private static final long ALLOCATABLE_CPU = 2000;

    @TempDir
    Path home;
    private DaemonProcess daemon;

    /** The newest acknowledged resize of one pod. */
    private record Newest(long generation, long cpuMillis) {
    }

    @AfterEach
    void stop() throws Exception {
        Teardown.close(daemon);
    }

    private DaemonProcess startDaemon() throws Exception {
        return DaemonProcess.start(home.resolve("state"), "--allocatable-cpu", "2", "--allocatable-memory", "4Gi");
    }

    @Test
    void killDashNineWithConcurrentWritersLosesNothingAcknowledgedAndNeverOvercommits() throws Exception {
        int trials = Integer.getInteger("resizelet.kill9.trials", 20);
        SplittableRandom random = new SplittableRandom(Long.getLong("resizelet.kill9.seed", 42));
        daemon = startDaemon();
        PodApi setup = new PodApi(daemon.url());
        for (String pod : PODS) {
            setup.create(pod, 300);
        }
        long checked = 0;
        long acknowledged = 0;
        int lost = 0;
        int overcommits = 0;
        int unconverged = 0;
        for (int trial = 1; trial <= trials; trial++) {
            PodApi api = new PodApi(daemon.url());
            Map<String, Newest> newest = new ConcurrentHashMap<>();
            AtomicInteger acks = new AtomicInteger();
            List<String> stops = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                SplittableRandom mine = random.split();
                String own = PODS.get(w);
                Thread t = new Thread(() -> stops.add(write(api, own, mine, newest, acks)), "writer-" + w);
                t.start();
                writers.add(t);
            }
            int killAfter = 10 + random.nextInt(150);
            await().atMost(Duration.ofSeconds(120)).until(() -> acks.get() >= killAfter
                    || writers.stream().noneMatch(Thread::isAlive));
            assertThat(acks.get()).as("acknowledged before the kill; writers stopped early: %s\n%s", stops,
                    daemon.output()).isGreaterThanOrEqualTo(killAfter);
            daemon.kill9();
            for (Thread t : writers) {
                t.join(30_000);
            }
            acknowledged += acks.get();

            daemon = startDaemon();
            PodApi after = new PodApi(daemon.url());
            Map<String, JsonNode> restored = new java.util.HashMap<>();
            for (String pod : PODS) {
                restored.put(pod, after.get(pod));
            }
            for (Map.Entry<String, Newest> e : newest.entrySet()) {
                checked++;
                JsonNode pod = restored.get(e.getKey());
                long generation = pod.at("/metadata/generation").asLong();
                if (generation < e.getValue().generation()
                        || (generation == e.getValue().generation() && PodApi.specCpu(pod) != e.getValue().cpuMillis())) {
                    lost++;
                    System.out.printf("trial %d: LOST %s acknowledged %s, restored generation %d cpu %dm%n", trial,
                            e.getKey(), e.getValue(), generation, PodApi.specCpu(pod));
                }
            }
            if (allocatedSum(restored) > ALLOCATABLE_CPU) {
                overcommits++;
                System.out.printf("trial %d: OVERCOMMIT right after restart: %dm%n", trial, allocatedSum(restored));
            }
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> converged(after));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                unconverged++;
                for (String pod : PODS) {
                    JsonNode p = after.get(pod);
                    System.out.printf("trial %d: UNCONVERGED %s generation %d spec %dm status %s%n", trial, pod,
                            p.at("/metadata/generation").asLong(), PodApi.specCpu(p), p.path("status"));
                }
            }
            Map<String, JsonNode> settled = new java.util.HashMap<>();
            for (String pod : PODS) {
                settled.put(pod, after.get(pod));
            }
            if (allocatedSum(settled) > ALLOCATABLE_CPU) {
                overcommits++;
            }
        }
        System.out.printf("kill -9 trials: %d, writers: %d, resizes acknowledged: %d, newest acknowledged per pod and "
                + "trial checked: %d, lost: %d, overcommits: %d, unconverged: %d%n", trials, WRITERS, acknowledged, checked,
                lost, overcommits, unconverged);
        assertThat(checked).isGreaterThanOrEqualTo(trials);
        assertThat(lost).as("acknowledged resizes lost").isZero();
        assertThat(overcommits).as("overcommits").isZero();
        assertThat(unconverged).as("pods that did not converge").isZero();
    }

    /**
     * Resizes until the daemon stops answering; remembers the newest acknowledged value of each pod. Returns why it
     * stopped.
     */
    private static String write(PodApi api, String own, SplittableRandom random, Map<String, Newest> newest,
            AtomicInteger acks) {
        while (true) {
            String pod = random.nextInt(4) == 0 ? PODS.get(random.nextInt(PODS.size())) : own;
            long cpu = 100 + 10L * random.nextInt(81); // 100m..900m: three pods may want more than the node has
            PodApi.Ack ack;
            try {
                ack = api.resizeCpu(pod, cpu);
            } catch (Exception e) {
                return e.toString(); // killed
            }
            if (ack.code() == 200) {
                newest.merge(pod, new Newest(ack.generation(), ack.cpuMillis()),
                        (a, b) -> a.generation() >= b.generation() ? a : b);
                acks.incrementAndGet();
            } else if (ack.code() != 409) {
                return "answer " + ack.code() + " to a resize of " + pod + " to " + cpu + "m";
            }
        }
    }

    private static long allocatedSum(Map<String, JsonNode> pods) {
        return pods.values().stream().mapToLong(PodApi::allocatedCpu).sum();
    }

    /** Every pod enacted at its desired value, or Deferred because its desired value does not fit beside the others. */
    private static boolean converged(PodApi api) throws Exception {
        Map<String, JsonNode> pods = new java.util.HashMap<>();
        for (String pod : PODS) {
            pods.put(pod, api.get(pod));
        }
        long allocated = allocatedSum(pods);
        for (JsonNode pod : pods.values()) {
            JsonNode status = pod.path("status");
            long desired = PodApi.specCpu(pod);
            boolean observed = status.path("observedGeneration").asLong() == pod.at("/metadata/generation").asLong();
            boolean enacted = PodApi.allocatedCpu(pod) == desired && PodApi.actualCpu(pod) == desired
                    && !status.has("resize") && status.path("phase").asText().equals("Running");
            boolean deferred = status.path("resize").asText().equals("Deferred")
                    && allocated - PodApi.allocatedCpu(pod) + desired > ALLOCATABLE_CPU
                    && PodApi.actualCpu(pod) == PodApi.allocatedCpu(pod);
            if (!observed || !(enacted || deferred)) {
                return false;
            }
        }
        return true;
    }
}
