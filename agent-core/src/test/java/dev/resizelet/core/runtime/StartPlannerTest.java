package dev.resizelet.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.cgroups.QosTier;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.enact.Backoff;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.runtime.StartPlanner.InitFailed;
import dev.resizelet.core.runtime.StartPlanner.Start;
import dev.resizelet.core.runtime.StartPlanner.Started;
import dev.resizelet.core.runtime.StartPlanner.WaitBackoff;
import dev.resizelet.core.runtime.StartPlanner.WaitInit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StartPlannerTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Backoff CRASH = new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5));
    static final ResourceValues V = new ResourceValues(100, 0, 0, 0);

    static final ContainerSpec INIT1 = new ContainerSpec("init1", "busybox", List.of("true"), List.of(), false);
    static final ContainerSpec INIT2 = new ContainerSpec("init2", "busybox", List.of("true"), List.of(), false);
    static final ContainerSpec SIDECAR = new ContainerSpec("log", "busybox", List.of(), List.of(), true);
    static final ContainerSpec APP = new ContainerSpec("app", "busybox", List.of(), List.of(), false);

    static PodSpec pod(String restartPolicy, ContainerSpec... inits) {
        List<ContainerSpec> resizable = new ArrayList<>(List.of(APP));
        Map<String, ResourceValues> initValues = new HashMap<>();
        for (ContainerSpec c : inits) {
            if (c.sidecar()) {
                resizable.add(c);
            } else {
                initValues.put(c.name(), V);
            }
        }
        return new PodSpec("default", "web", PodUid.of("uid-1"), QosTier.BURSTABLE, resizable, List.of(inits),
                initValues, restartPolicy);
    }

    static RunningPod running(RunningContainer... containers) {
        return new RunningPod(PodUid.of("uid-1"), "sb", CgroupName.parse("/kubepods/burstable/poduid-1"),
                List.of(containers));
    }

    static RunningContainer run(String name, int attempt) {
        return new RunningContainer(name, name + "-" + attempt, attempt, "CONTAINER_RUNNING", V, false, T0);
    }

    static RunningContainer exited(String name, int attempt, int code, Instant finished) {
        return new RunningContainer(name, name + "-" + attempt, attempt, "CONTAINER_EXITED", V, false, T0,
                new RunningContainer.Termination(code, code == 0 ? "Completed" : "Error", T0, finished, name), null,
                null);
    }

    @Test
    void initContainersRunOneByOneToCompletionBeforeTheApp() {
        PodSpec pod = pod("Always", INIT1, INIT2);

        assertThat(StartPlanner.next(pod, running(), T0, CRASH)).isEqualTo(new Start(INIT1, 0));
        assertThat(StartPlanner.next(pod, running(run("init1", 0)), T0, CRASH)).isEqualTo(new WaitInit("init1"));
        assertThat(StartPlanner.next(pod, running(exited("init1", 0, 0, T0)), T0, CRASH)).isEqualTo(new Start(INIT2, 0));
        assertThat(StartPlanner.next(pod, running(exited("init1", 0, 0, T0), exited("init2", 0, 0, T0)), T0, CRASH))
                .isEqualTo(new Start(APP, 0));
        assertThat(StartPlanner.next(pod, running(exited("init1", 0, 0, T0), exited("init2", 0, 0, T0), run("app", 0)),
                T0, CRASH)).isEqualTo(new Started(null, null));
    }

    @Test
    void aFailedInitContainerRestartsAtOnceThenWithTheCrashLoopBackoff() {
        PodSpec pod = pod("Always", INIT1);
        Instant failed = T0.plusSeconds(1);

        assertThat(StartPlanner.next(pod, running(exited("init1", 0, 1, failed)), failed, CRASH))
                .isEqualTo(new Start(INIT1, 1));
        assertThat(StartPlanner.next(pod, running(exited("init1", 1, 1, failed)), failed.plusSeconds(5), CRASH))
                .isEqualTo(new WaitBackoff("init1", failed.plusSeconds(10)));
        assertThat(StartPlanner.next(pod, running(exited("init1", 1, 1, failed)), failed.plusSeconds(10), CRASH))
                .isEqualTo(new Start(INIT1, 2));
        assertThat(StartPlanner.next(pod, running(exited("init1", 3, 1, failed)), failed.plusSeconds(39), CRASH))
                .as("10s, 20s, 40s").isEqualTo(new WaitBackoff("init1", failed.plusSeconds(40)));
    }

    @Test
    void aFailedInitContainerFailsThePodUnderRestartPolicyNever() {
        PodSpec pod = pod("Never", INIT1);

        assertThat(StartPlanner.next(pod, running(exited("init1", 0, 2, T0)), T0, CRASH)).isEqualTo(new InitFailed("init1"));
        assertThat(StartPlanner.next(pod("OnFailure", INIT1), running(exited("init1", 0, 2, T0)), T0, CRASH))
                .isEqualTo(new Start(INIT1, 1));
    }

    @Test
    void aSidecarNeedsOnlyToRunBeforeTheNextInitContainer() {
        PodSpec pod = pod("Always", SIDECAR, INIT1);

        assertThat(StartPlanner.next(pod, running(), T0, CRASH)).isEqualTo(new Start(SIDECAR, 0));
        assertThat(StartPlanner.next(pod, running(run("log", 0)), T0, CRASH)).isEqualTo(new Start(INIT1, 0));
        assertThat(StartPlanner.next(pod, running(exited("log", 0, 0, T0)), T0, CRASH))
                .as("a sidecar that exited is restarted, even with exit code 0").isEqualTo(new Start(SIDECAR, 1));
        assertThat(StartPlanner.next(pod, running(run("log", 0), exited("init1", 0, 0, T0)), T0, CRASH))
                .isEqualTo(new Start(APP, 0));
    }

    @Test
    void onceInitializedInitContainersDoNotRunAgainAndSidecarsAreKeptRunning() {
        PodSpec pod = pod("Always", SIDECAR, INIT1);
        Instant exitedAt = T0.plusSeconds(60);

        assertThat(StartPlanner.next(pod, running(run("app", 0)), T0, CRASH))
                .as("after an agent restart the completed init container may be gone").isEqualTo(new Start(SIDECAR, 0));
        assertThat(StartPlanner.next(pod, running(run("app", 0), run("log", 0)), T0, CRASH))
                .isEqualTo(new Started(null, null));
        assertThat(StartPlanner.next(pod, running(run("app", 0), exited("log", 2, 137, exitedAt)), exitedAt, CRASH))
                .as("a sidecar in back-off does not hold the app containers")
                .isEqualTo(new Started("log", exitedAt.plusSeconds(20)));
    }

    @Test
    void appContainersRestartPerThePodRestartPolicy() {
        RunningPod ok = running(exited("app", 0, 0, T0));
        RunningPod failed = running(exited("app", 0, 1, T0));

        assertThat(StartPlanner.next(pod("Always"), ok, T0, CRASH)).isEqualTo(new Start(APP, 1));
        assertThat(StartPlanner.next(pod("OnFailure"), ok, T0, CRASH)).isEqualTo(new Started(null, null));
        assertThat(StartPlanner.next(pod("OnFailure"), failed, T0, CRASH)).isEqualTo(new Start(APP, 1));
        assertThat(StartPlanner.next(pod("Never"), failed, T0, CRASH)).isEqualTo(new Started(null, null));
    }
}
