package dev.resizelet.it.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resizelet.cgroups.QosTier;
import dev.resizelet.fakecri.CriRpc;
import io.grpc.Status;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CRI fault matrix during a resize, against the daemon as its own process on a fake runtime this test serves:
 * UNAVAILABLE, DEADLINE_EXCEEDED (a real client deadline: the runtime answers later than --runtime-request-timeout),
 * the runtime restarted under the agent with its containers running, and a runtime that applies the change and then
 * answers an error. For each: while the fault lasts the pod shows {@code PodResizeInProgress} with reason {@code Error}
 * and the runtime's words, a {@code ResizeError} event, and the error metrics; the agent retries with backoff (the
 * UpdateContainerResources attempts in a window are bounded: no busy loop); once the fault ends the resize converges
 * in place (same container, no restart, the new values in the runtime's status and in the cgroup files).
 *
 * <p>CI runs one round; {@code -Dresizelet.crifaults.rounds=N} (scripts/reliability.sh) runs more.
 */
class CriFaultMatrixIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** How long the bound on attempts is watched while a fault lasts. */
    private static final Duration WINDOW = Duration.ofSeconds(Long.getLong("resizelet.crifaults.window.seconds", 4));
    /**
     * Backoff 100 ms doubling to 10 s: a window of 4 s holds at most 6 attempts (0.1, 0.3, 0.7, 1.5, 3.1 s after the
     * first failure, and one in flight); the bound leaves room for a slow machine, not for a loop.
     */
    private static final long MAX_ATTEMPTS_IN_WINDOW = 8;
    private static final String UPDATES = "kubelet_runtime_operations_total{operation_type=\"update_container\"}";
    private static final String UPDATE_ERRORS = "kubelet_runtime_operations_errors_total{operation_type=\"update_container\"}";
    private static final String FAILED_PASSES = "resizelet_enactment_failed_passes_total";

    @TempDir
    Path home;

    private FakeNode node;
    private DaemonProcess daemon;

    @AfterEach
    void stop() throws Exception {
        Teardown.close(daemon, node);
    }

    /** One fault: how to start it and how to end it. */
    private interface Fault {
        void begin() throws Exception;

        void end() throws Exception;
    }

    /** What one case measured. */
    private record Outcome(String fault, String conditionMessage, long attemptsInWindow, long runtimeCallsInWindow,
                           long errorsCounted, long failedPasses, long resizeErrorEvents, boolean converged) {
    }

    @Test
    void everyResizeConvergesAfterEachCriFaultWhileStatusShowsTheErrorAndRetriesBackOff() throws Exception {
        int rounds = Integer.getInteger("resizelet.crifaults.rounds", 1);
        node = new FakeNode(home.resolve("node"));
        daemon = node.start("--runtime-request-timeout", "1s");
        List<Outcome> outcomes = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            outcomes.add(runCase("UNAVAILABLE", round, new Fault() {
                public void begin() {
                    node.fake.injectError(CriRpc.UPDATE_CONTAINER_RESOURCES,
                            Status.UNAVAILABLE.withDescription("connection error: desc = \"transport: Error while dialing\""));
                }

                public void end() {
                    node.fake.clearErrors();
                }
            }));
            outcomes.add(runCase("DEADLINE_EXCEEDED", round, new Fault() {
                public void begin() {
                    // later than the agent's 1 s deadline: the call is cancelled and changes nothing
                    node.fake.setLatency(CriRpc.UPDATE_CONTAINER_RESOURCES, Duration.ofSeconds(3));
                }

                public void end() {
                    node.fake.clearLatencies();
                }
            }));
            outcomes.add(runCase("runtime restarted", round, new Fault() {
                public void begin() {
                    node.server.stop(); // containerd going down; its containers (shims) keep running
                }

                public void end() {
                    node.server.start();
                }
            }));
            outcomes.add(runCase("applied, then an error", round, new Fault() {
                public void begin() {
                    node.fake.injectErrorAfterApply(CriRpc.UPDATE_CONTAINER_RESOURCES,
                            Status.DEADLINE_EXCEEDED.withDescription("context deadline exceeded"), Integer.MAX_VALUE);
                }

                public void end() {
                    node.fake.clearErrors();
                }
            }));
        }
        for (Outcome o : outcomes) {
            System.out.printf("cri fault %-24s update attempts in %ds: %d (bound %d), calls reaching the runtime: %d, "
                            + "errors counted: %d, failed passes: %d, ResizeError events: %d, converged: %s, condition: %s%n",
                    o.fault(), WINDOW.toSeconds(), o.attemptsInWindow(), MAX_ATTEMPTS_IN_WINDOW, o.runtimeCallsInWindow(),
                    o.errorsCounted(), o.failedPasses(), o.resizeErrorEvents(), o.converged(), o.conditionMessage());
        }
        long unconverged = outcomes.stream().filter(o -> !o.converged()).count();
        long busy = outcomes.stream().filter(o -> o.attemptsInWindow() > MAX_ATTEMPTS_IN_WINDOW).count();
        System.out.printf("cri fault matrix: cases: 4, rounds: %d, resizes: %d, converged: %d, unconverged: %d, busy loops: %d%n",
                rounds, outcomes.size(), outcomes.size() - unconverged, unconverged, busy);
        assertThat(unconverged).isZero();
        assertThat(busy).isZero();
    }

    private Outcome runCase(String name, int round, Fault fault) throws Exception {
        String pod = "p" + round + "-" + name.toLowerCase().replaceAll("[^a-z]", "");
        HttpResponse<String> created = node.send(daemon, "POST", "/api/v1/namespaces/default/pods", "application/json",
                FakeNode.podJson(pod, "500m", 2L));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String uid = FakeNode.JSON.readTree(created.body()).path("metadata").path("uid").asText();
        try {
            await().atMost(WAIT).until(() -> "Running".equals(node.pod(daemon, pod).path("status").path("phase").asText()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // keep what the daemon said: a pod that never starts is diagnosed from its log, not from the timeout
            String out = daemon.output();
            throw new AssertionError("pod " + pod + " (case " + name + ", round " + round + ") not Running within " + WAIT
                    + "; its object: " + node.pod(daemon, pod) + "\nthe daemon's last output:\n"
                    + out.substring(Math.max(0, out.length() - 20_000)), e);
        }
        String containerId = containerId(node.pod(daemon, pod));
        String before = node.metrics(daemon);

        fault.begin();
        HttpResponse<String> patched = node.send(daemon, "PATCH", "/api/v1/namespaces/default/pods/" + pod + "/resize",
                "application/strategic-merge-patch+json", FakeNode.resizePatch("800m"));
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);

        // status says so, in the kubelet's terms
        await().atMost(WAIT).until(() -> errorCondition(node.pod(daemon, pod)) != null);
        String message = errorCondition(node.pod(daemon, pod)).path("message").asText();
        assertThat(message).isNotEmpty();
        // no busy loop: the attempts in a window stay under what the backoff allows
        double startAttempts = FakeNode.metric(node.metrics(daemon), UPDATES);
        long startCalls = node.fake.callCount(CriRpc.UPDATE_CONTAINER_RESOURCES);
        AtomicLong attempts = new AtomicLong();
        await().during(WINDOW).atMost(WINDOW.plusSeconds(5)).until(() -> {
            attempts.set((long) (FakeNode.metric(node.metrics(daemon), UPDATES) - startAttempts));
            return attempts.get() <= MAX_ATTEMPTS_IN_WINDOW;
        });
        long callsInWindow = node.fake.callCount(CriRpc.UPDATE_CONTAINER_RESOURCES) - startCalls;
        long errorEvents = resizeErrorEvents(pod);
        String during = node.metrics(daemon);
        long errors = (long) (FakeNode.metric(during, UPDATE_ERRORS) - FakeNode.metric(before, UPDATE_ERRORS));
        long failedPasses = (long) (FakeNode.metric(during, FAILED_PASSES) - FakeNode.metric(before, FAILED_PASSES));
        assertThat(errorEvents).as("ResizeError events of " + pod).isPositive();
        assertThat(errors).as("update_container errors counted").isPositive();
        assertThat(failedPasses).as("failed enactment passes").isPositive();

        fault.end();
        boolean converged;
        try {
            await().atMost(WAIT).until(() -> converged(node.pod(daemon, pod)));
            converged = true;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            converged = false;
        }
        if (converged) {
            JsonNode done = node.pod(daemon, pod);
            assertThat(containerId(done)).as("the same container: resized in place").isEqualTo(containerId);
            assertThat(done.path("status").path("containerStatuses").path(0).path("restartCount").asInt()).isZero();
            Path quota = node.cgroups.file(node.cgroups.layout().container(
                    node.cgroups.layout().pod(QosTier.GUARANTEED, uid), containerId.replaceFirst("^[a-z-]+://", "")),
                    "cpu.cfs_quota_us");
            assertThat(Files.readString(quota).trim()).isEqualTo("80000");
        }
        // the case's pod goes, so that the next rounds find room (each resized pod holds 800m of the node's 4000m)
        HttpResponse<String> deleted = node.send(daemon, "DELETE", "/api/v1/namespaces/default/pods/" + pod
                + "?gracePeriodSeconds=0", null, null);
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        await().atMost(WAIT).until(() -> node.send(daemon, "GET", "/api/v1/namespaces/default/pods/" + pod, null,
                null).statusCode() == 404);
        return new Outcome(name, message, attempts.get(), callsInWindow, errors, failedPasses, errorEvents, converged);
    }

    private static String containerId(JsonNode pod) {
        return pod.path("status").path("containerStatuses").path(0).path("containerID").asText();
    }

    private static JsonNode errorCondition(JsonNode pod) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if (c.path("type").asText().equals("PodResizeInProgress") && c.path("reason").asText().equals("Error")) {
                return c;
            }
        }
        return null;
    }

    private static boolean converged(JsonNode pod) {
        JsonNode status = pod.path("status");
        for (JsonNode c : status.path("conditions")) {
            if (c.path("type").asText().startsWith("PodResize")) {
                return false;
            }
        }
        return "800m".equals(status.path("containerStatuses").path(0).path("resources").path("limits").path("cpu").asText())
                && status.path("observedGeneration").asLong() == pod.path("metadata").path("generation").asLong();
    }

    private long resizeErrorEvents(String pod) throws Exception {
        long n = 0;
        for (JsonNode e : node.events(daemon).path("items")) {
            if (e.path("involvedObject").path("name").asText().equals(pod) && e.path("reason").asText().equals("ResizeError")) {
                n++;
            }
        }
        return n;
    }
}
