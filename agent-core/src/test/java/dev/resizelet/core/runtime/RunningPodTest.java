package dev.resizelet.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.PodUid;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code with}: a container replaced in place or added last; a re-read that finds nothing new keeps the pod. */
class RunningPodTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static RunningContainer c(String name, String id, long cpu) {
        return new RunningContainer(name, id, 0, "CONTAINER_RUNNING", new ResourceValues(cpu, 0, 0, 0), false, T0);
    }

    private static RunningPod pod(RunningContainer... containers) {
        return new RunningPod(PodUid.of("u1"), "sb", CgroupName.parse("/kubepods/podu1"), List.of(containers));
    }

    @Test
    void aNewValueReplacesTheContainerInPlace() {
        RunningPod p = pod(c("a", "1", 100), c("b", "2", 200), c("c", "3", 300));

        RunningPod next = p.with(c("b", "2", 250));

        assertThat(next.containers()).containsExactly(c("a", "1", 100), c("b", "2", 250), c("c", "3", 300));
        assertThat(next.containers().get(0)).isSameAs(p.containers().get(0));
        assertThat(p.containers().get(1)).isEqualTo(c("b", "2", 200));
    }

    @Test
    void anUnknownContainerIsAddedLast() {
        assertThat(pod(c("a", "1", 100)).with(c("z", "9", 1)).containers())
                .containsExactly(c("a", "1", 100), c("z", "9", 1));
    }

    @Test
    void anEqualReadKeepsThePodItself() {
        RunningPod p = pod(c("a", "1", 100), c("b", "2", 200));

        assertThat(p.with(c("b", "2", 200))).isSameAs(p);
        assertThat(p.with(c("b", "3", 200))).isNotSameAs(p);
    }

    @Test
    void aRepeatedNameIsCollapsedAsBefore() {
        RunningPod p = pod(c("a", "1", 100), c("b", "2", 200), c("a", "3", 300));

        assertThat(p.with(c("b", "2", 250)).containers()).containsExactly(c("a", "3", 300), c("b", "2", 250));
    }
}
