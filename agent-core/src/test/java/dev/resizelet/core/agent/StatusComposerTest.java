package dev.resizelet.core.agent;

import static dev.resizelet.core.testing.Pods.container;
import static dev.resizelet.core.testing.Pods.pod;
import static dev.resizelet.core.testing.Pods.res;
import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.core.admission.Admitted;
import dev.resizelet.core.admission.Deferred;
import dev.resizelet.core.admission.PodState;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.runtime.PodRuntimeView;
import dev.resizelet.core.runtime.RunningContainer;
import dev.resizelet.core.runtime.RunningPod;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A recomposition that changes nothing gives back the previous status itself, and shares the unchanged parts of one
 * that does change (the store then holds one long-lived copy of them); every change is still seen, and a value that is
 * equal but written differently is not shared.
 */
class StatusComposerTest {
    private static final Instant STARTED = Instant.parse("2026-01-01T00:00:00Z");

    private final StatusComposer composer =
            new StatusComposer(Clock.fixed(Instant.parse("2026-01-01T00:05:00Z"), ZoneOffset.UTC), "containerd");
    private final Pod pod = pod("u1", container("app", "cpu=250m,memory=128Mi", "cpu=500m,memory=256Mi"),
            container("web", "cpu=100m,memory=64Mi", "cpu=200m,memory=128Mi"));

    private static PodState admitted(Pod desired) {
        return new PodState(desired, desired, desired.resources(), new Admitted(desired.uid(), desired.generation()), null);
    }

    private static RunningContainer running(String name, ResourceValues actual) {
        return new RunningContainer(name, "id-" + name, 0, "CONTAINER_RUNNING", actual, false, STARTED);
    }

    private static PodRuntimeView view(Pod p, ResourceValues app, ResourceValues web, boolean resizing) {
        RunningPod running = new RunningPod(p.uid(), "sandbox", CgroupName.of("kubepods", "podu1"),
                List.of(running("app", app), running("web", web)));
        return new PodRuntimeView(running, p.generation(), Map.of("app", app, "web", web), resizing, null);
    }

    private final ResourceValues app = new ResourceValues(250, 500, 128L << 20, 256L << 20);
    private final ResourceValues web = new ResourceValues(100, 200, 64L << 20, 128L << 20);

    @Test
    void recomposingWithTheSameInputsGivesBackThePreviousStatus() {
        PodStatus first = composer.compose(pod, admitted(pod), view(pod, app, web, false), null).status();

        StatusComposer.Composed again = composer.compose(pod, admitted(pod), view(pod, app, web, false), first);

        assertThat(again.status()).isSameAs(first);
        assertThat(again.events()).isEmpty();
        assertThat(first.containerStatuses().get(0).resources()).as("the runtime agrees: the allocation itself")
                .isSameAs(pod.containers().get(0).resources());
    }

    @Test
    void aNewValueFromTheRuntimeIsSeenAndTheUnchangedContainerIsShared() {
        PodStatus first = composer.compose(pod, admitted(pod), view(pod, app, web, false), null).status();
        ResourceValues rounded = new ResourceValues(250, 510, 128L << 20, 256L << 20);

        PodStatus next = composer.compose(pod, admitted(pod), view(pod, rounded, web, false), first).status();

        assertThat(next).isNotEqualTo(first);
        assertThat(next.containerStatuses().get(0).resources()).isEqualTo(res("cpu=250m,memory=128Mi",
                "cpu=510m,memory=256Mi"));
        assertThat(next.containerStatuses().get(0).allocatedResources())
                .isSameAs(first.containerStatuses().get(0).allocatedResources());
        assertThat(next.containerStatuses().get(1)).isSameAs(first.containerStatuses().get(1));
    }

    @Test
    void aResizeInProgressThenDoneChangesTheStatusTwice() {
        PodStatus settled = composer.compose(pod, admitted(pod), view(pod, app, web, false), null).status();
        Pod grown = new Pod(pod.namespace(), pod.name(), pod.uid(), 2, 0, Map.of(), List.of(),
                List.of(container("app", "cpu=300m,memory=128Mi", "cpu=600m,memory=256Mi"), pod.containers().get(1)));
        ResourceValues appGrown = new ResourceValues(300, 600, 128L << 20, 256L << 20);

        StatusComposer.Composed started = composer.compose(grown, admitted(grown), view(grown, app, web, true), settled);
        StatusComposer.Composed done = composer.compose(grown, admitted(grown), view(grown, appGrown, web, false),
                started.status());

        assertThat(started.status().resize()).isEqualTo("InProgress");
        assertThat(started.events()).hasSize(1);
        assertThat(started.status().containerStatuses().get(1)).isSameAs(settled.containerStatuses().get(1));
        assertThat(done.status().resize()).isNull();
        assertThat(done.status().conditions()).isEmpty();
        assertThat(done.status().containerStatuses().get(0).resources())
                .isEqualTo(res("cpu=300m,memory=128Mi", "cpu=600m,memory=256Mi"));
        assertThat(done.events()).hasSize(1);
    }

    @Test
    void aConditionThatHoldsIsTheSameObject() {
        Pod grown = new Pod(pod.namespace(), pod.name(), pod.uid(), 2, 0, Map.of(), List.of(),
                List.of(container("app", "cpu=4,memory=128Mi", "cpu=4,memory=256Mi"), pod.containers().get(1)));
        PodState deferred = new PodState(grown, pod, pod.resources(), new Deferred(pod.uid(), 2, "no room"), STARTED);

        PodStatus first = composer.compose(grown, deferred, view(pod, app, web, false), null).status();
        PodStatus again = composer.compose(grown, deferred, view(pod, app, web, false), first).status();

        assertThat(first.conditions()).hasSize(1);
        assertThat(again).isSameAs(first);
        assertThat(again.conditions().get(0)).isSameAs(first.conditions().get(0));
    }

    @Test
    void anEqualValueWrittenDifferentlyIsNotShared() {
        Pod decimal = pod("u2", container("app", "memory=134217728", "memory=134217728"));
        PodState state = admitted(decimal);
        PodStatus waiting = composer.compose(decimal, state, null, null).status();
        ResourceValues reported = new ResourceValues(0, 0, 134217728, 134217728);
        RunningPod running = new RunningPod(decimal.uid(), "sandbox", CgroupName.of("kubepods", "podu2"),
                List.of(running("app", reported)));

        PodStatus shown = composer.compose(decimal, state,
                new PodRuntimeView(running, 1, Map.of("app", reported), false, null), waiting).status();

        assertThat(waiting.containerStatuses().get(0).resources().limit("memory")).hasToString("134217728");
        assertThat(shown.containerStatuses().get(0).resources().limit("memory")).hasToString("128Mi");
        assertThat(shown.containerStatuses().get(0).allocatedResources().request("memory")).hasToString("134217728");
    }

    @Test
    void beforeTheRuntimeIsReadASettledPodIsServedAsTheCleanStopLeftIt() {
        PodStatus left = composer.compose(pod, admitted(pod), view(pod, app, web, false), null).status();

        StatusComposer.Composed unread = composer.composeUnread(pod, admitted(pod), Map.of("app", app, "web", web),
                left);

        assertThat(unread.status()).isSameAs(left);
        assertThat(unread.events()).isEmpty();
    }

    @Test
    void beforeTheRuntimeIsReadAResizeShowsItsAllocationAndKeepsWhatOnlyTheRuntimeKnows() {
        PodStatus left = composer.compose(pod, admitted(pod), view(pod, app, web, false), null).status();
        Pod resized = pod("u1", container("app", "cpu=400m,memory=128Mi", "cpu=800m,memory=256Mi"),
                container("web", "cpu=100m,memory=64Mi", "cpu=200m,memory=128Mi")).withGeneration(2);
        PodState admittedResize = new PodState(resized, resized, pod.resources(),
                new Admitted(resized.uid(), resized.generation()), null);

        // the record says what was actuated last: the old values, so the resize is in progress
        PodStatus unread = composer.composeUnread(resized, admittedResize, Map.of("app", app, "web", web), left)
                .status();

        PodStatus.ContainerStatus appNow = unread.containerStatuses().get(0);
        PodStatus.ContainerStatus appLeft = left.containerStatuses().get(0);
        assertThat(appNow.allocatedResources()).isEqualTo(res("cpu=400m,memory=128Mi", ""));
        assertThat(appNow.state()).isEqualTo("running");
        assertThat(appNow.containerId()).isEqualTo(appLeft.containerId());
        assertThat(appNow.startedAt()).isEqualTo(STARTED);
        assertThat(appNow.resources()).as("the runtime's last values until it is read").isEqualTo(appLeft.resources());
        assertThat(unread.phase()).isEqualTo(left.phase()).isEqualTo("Running");
        assertThat(unread.resize()).isEqualTo("InProgress");
        assertThat(unread.observedGeneration()).isEqualTo(2);
        assertThat(unread.containerStatuses().get(1)).as("unchanged: shared").isSameAs(left.containerStatuses().get(1));
    }

    @Test
    void beforeTheRuntimeIsReadAStatusLeftFromBeforeTheAdmissionIsComposedNotServedAsLeft() {
        // the stop came before the publisher showed the admission: no allocatedResources, Pending
        PodStatus initial = composer.compose(pod, null, null, null).status();
        assertThat(initial.containerStatuses().get(0).allocatedResources()).isNull();

        PodStatus unread = composer.composeUnread(pod, admitted(pod), Map.of(), initial).status();

        assertThat(unread).isNotSameAs(initial);
        assertThat(unread.containerStatuses().get(0).allocatedResources()).isEqualTo(res("cpu=250m,memory=128Mi", ""));
    }

    @Test
    void beforeTheRuntimeIsReadAPodTheAgentRefusedShowsItsRefusal() {
        PodStatus left = composer.compose(pod, admitted(pod), view(pod, app, web, false), null).status();
        PodState refused = new PodState(pod, null, null, new dev.resizelet.core.admission.Infeasible(pod.uid(),
                pod.generation(), "OutOfcpu", "Node didn't have enough resource: cpu"), null);

        PodStatus unread = composer.composeUnread(pod, refused, Map.of(), left).status();

        assertThat(unread.phase()).isEqualTo("Failed");
        assertThat(unread.reason()).isEqualTo("OutOfcpu");
    }
}
