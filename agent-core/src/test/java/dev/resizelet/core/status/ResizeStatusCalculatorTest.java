package dev.resizelet.core.status;

import static dev.resizelet.core.testing.Pods.burstable;
import static dev.resizelet.core.testing.Pods.resized;
import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.core.admission.Admitted;
import dev.resizelet.core.admission.Deferred;
import dev.resizelet.core.admission.Infeasible;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.Quantity;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ResizeStatusCalculatorTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final Instant T1 = T0.plusSeconds(30);
    private final Pod pod = burstable("a", 500, 1 << 20);
    private final Pod grown = resized(pod, "cpu=1,memory=1Mi", "");

    @Test
    void aSettledPodHasNoResizeStatus() {
        ResizeStatus s = ResizeStatusCalculator.compute(
                new ResizeStatusInput(pod, pod.resources(), pod.resources(), new Admitted(pod.uid(), 1), null),
                ResizeStatus.NONE, T0);

        assertThat(s.resize()).isEmpty();
        assertThat(s.conditions()).isEmpty();
        assertThat(s.allocatedResources().get("c")).containsEntry("cpu", Quantity.parse("500m"));
    }

    @Test
    void aResizeNotYetLookedAtIsProposed() {
        ResizeStatus s = ResizeStatusCalculator.compute(
                new ResizeStatusInput(grown, pod.resources(), pod.resources(), null, null), ResizeStatus.NONE, T0);

        assertThat(s.resize()).contains(LegacyResizeStatus.PROPOSED);
        assertThat(s.conditions()).isEmpty();
    }

    @Test
    void deferredAndInfeasibleArePendingConditionsWithTheAdmissionMessage() {
        String msg = "Node didn't have enough resource: cpu, requested: 1000, used: 3500, capacity: 4000";
        ResizeStatusInput deferred = new ResizeStatusInput(grown, pod.resources(), pod.resources(),
                new Deferred(pod.uid(), 2, msg), null);

        ResizeStatus s = ResizeStatusCalculator.compute(deferred, ResizeStatus.NONE, T0);
        ResizeStatus later = ResizeStatusCalculator.compute(deferred, s, T1);

        assertThat(s.resize()).contains(LegacyResizeStatus.DEFERRED);
        assertThat(s.conditions()).containsExactly(
                new PodCondition("PodResizePending", "True", "Deferred", msg, 2, T0));
        assertThat(later.conditions().get(0).lastTransitionTime()).isEqualTo(T0);
        assertThat(ResizeStatusCalculator.events(deferred, ResizeStatus.NONE, s, T0))
                .extracting(ResizeEvent::type).containsExactly(ResizeEvent.Type.RESIZE_DEFERRED);

        ResizeStatusInput infeasible = new ResizeStatusInput(grown, pod.resources(), pod.resources(),
                new Infeasible(pod.uid(), 2, "Infeasible", "too big"), null);
        ResizeStatus inf = ResizeStatusCalculator.compute(infeasible, s, T1);
        assertThat(inf.resize()).contains(LegacyResizeStatus.INFEASIBLE);
        assertThat(inf.conditions()).containsExactly(
                new PodCondition("PodResizePending", "True", "Infeasible", "too big", 2, T1));
        assertThat(ResizeStatusCalculator.events(infeasible, s, inf, T1))
                .extracting(ResizeEvent::type).containsExactly(ResizeEvent.Type.RESIZE_INFEASIBLE);
    }

    @Test
    void admittedButNotActuatedIsInProgressThenCompleted() {
        ResizeStatusInput started = new ResizeStatusInput(grown, grown.resources(), pod.resources(),
                new Admitted(pod.uid(), 2), null);
        ResizeStatus s = ResizeStatusCalculator.compute(started, ResizeStatus.NONE, T0);

        assertThat(s.resize()).contains(LegacyResizeStatus.IN_PROGRESS);
        assertThat(s.conditions()).containsExactly(new PodCondition("PodResizeInProgress", "True", "", "", 2, T0));
        assertThat(s.observedGeneration()).isEqualTo(2);
        assertThat(ResizeStatusCalculator.events(started, ResizeStatus.NONE, s, T0))
                .extracting(ResizeEvent::type).containsExactly(ResizeEvent.Type.RESIZE_STARTED);

        ResizeStatusInput failed = new ResizeStatusInput(grown, grown.resources(), pod.resources(),
                new Admitted(pod.uid(), 2), "memory limit (1048576) below current usage");
        ResizeStatus err = ResizeStatusCalculator.compute(failed, s, T1);
        assertThat(err.conditions()).containsExactly(new PodCondition("PodResizeInProgress", "True", "Error",
                "memory limit (1048576) below current usage", 2, T1));
        assertThat(ResizeStatusCalculator.events(failed, s, err, T1))
                .extracting(ResizeEvent::type).containsExactly(ResizeEvent.Type.RESIZE_ERROR);

        ResizeStatusInput done = new ResizeStatusInput(grown, grown.resources(), grown.resources(),
                new Admitted(pod.uid(), 2), null);
        ResizeStatus fin = ResizeStatusCalculator.compute(done, err, T1);
        assertThat(fin.resize()).isEqualTo(Optional.empty());
        assertThat(ResizeStatusCalculator.events(done, err, fin, T1))
                .extracting(ResizeEvent::type).containsExactly(ResizeEvent.Type.RESIZE_COMPLETED);
    }

    @Test
    void aPodNeverStartedIsNotInProgress() {
        ResizeStatus s = ResizeStatusCalculator.compute(
                new ResizeStatusInput(pod, pod.resources(), null, new Admitted(pod.uid(), 1), null),
                ResizeStatus.NONE, T0);

        assertThat(s.conditions()).isEmpty();
        assertThat(s.resize()).isEmpty();
    }

    @Test
    void eventsCarryTheKubeletTextsOfTheAllocatedOrDesiredPod() {
        ResizeStatusInput started = new ResizeStatusInput(grown, grown.resources(), pod.resources(),
                new Admitted(pod.uid(), 2), null);
        ResizeStatus inProgress = ResizeStatusCalculator.compute(started, ResizeStatus.NONE, T0);
        ResizeStatusInput done = new ResizeStatusInput(grown, grown.resources(), grown.resources(),
                new Admitted(pod.uid(), 2), null);
        ResizeStatus finished = ResizeStatusCalculator.compute(done, inProgress, T1);
        ResizeStatusInput deferred = new ResizeStatusInput(grown, pod.resources(), pod.resources(),
                new Deferred(pod.uid(), 2, "no room"), null);

        ResizeEvent start = ResizeStatusCalculator.events(started, ResizeStatus.NONE, inProgress, T0).get(0);
        ResizeEvent complete = ResizeStatusCalculator.events(done, inProgress, finished, T1).get(0);
        ResizeEvent pending = ResizeStatusCalculator.events(deferred, ResizeStatus.NONE,
                ResizeStatusCalculator.compute(deferred, ResizeStatus.NONE, T0), T0).get(0);

        assertThat(start.message()).isEqualTo(ResizeEventMessages.started(grown, 2)).startsWith("Pod resize started: {\"containers\":[")
                .contains("\"requests\":{\"cpu\":\"1\"").endsWith("\"generation\":2}");
        assertThat(complete.type()).isEqualTo(ResizeEvent.Type.RESIZE_COMPLETED);
        assertThat(complete.message()).isEqualTo(ResizeEventMessages.completed(grown, 2));
        assertThat(pending.type().eventType()).isEqualTo("Warning");
        assertThat(pending.message()).isEqualTo(ResizeEventMessages.pending(grown, "Deferred", "no room", 2))
                .endsWith(",\"generation\":2,\"error\":\"no room\"}");
    }
}
