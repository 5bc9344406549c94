package dev.resizelet.core.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.core.store.StoredObject.Deletion;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The apiserver's delete rules for pods ({@code BeforeDelete} + {@code CheckGracefulDelete}) as a table. */
class DeletionRulesTest {
    private static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");

    private static Pod pod(Long terminationGracePeriodSeconds) {
        return new Pod("default", "web", PodUid.of("uid-web"), 1, 0, Map.of(), List.of(),
                List.of(new Container("c", "busybox", List.of(), new ResourceRequirements(Map.of(), Map.of()), Map.of(), null)),
                Map.of(), terminationGracePeriodSeconds);
    }

    private static Long nullable(String s) {
        return s == null || s.isEmpty() ? null : Long.valueOf(s);
    }

    /**
     * Columns: the pod's terminationGracePeriodSeconds, its phase, the existing mark (grace seconds; its timestamp is
     * NOW + 100 s), the request's gracePeriodSeconds; then the decision and, for a mark, its period and its timestamp as
     * seconds after NOW.
     */
    @ParameterizedTest(name = "spec={0} phase={1} marked={2} requested={3} -> {4} {5} {6}")
    @CsvSource(nullValues = "-", value = {
            // not terminating yet
            "-,  Running, -,  -,  Mark,      30,  30",   // the apiserver's default
            "45, Running, -,  -,  Mark,      45,  45",   // the pod's own
            "45, Running, -,  10, Mark,      10,  10",   // the request wins
            "45, Running, -,  90, Mark,      90,  90",   // even a longer one
            "-5, Running, -,  -,  Mark,      1,   1",    // negative: 1
            "45, Running, -,  -3, Mark,      1,   1",
            "45, Running, -,  0,  Immediate, -,   -",    // force
            "0,  Running, -,  -,  Immediate, -,   -",
            "45, Failed,  -,  -,  Immediate, -,   -",    // terminal: at once
            "45, Succeeded, -, 20, Immediate, -,  -",
            "45, -,       -,  -,  Mark,      45,  45",   // no status yet
            // already terminating (marked with 100 s at NOW: asked at NOW)
            "45, Running, 100, -,   Unchanged, -, -",
            "45, Running, 100, 100, Unchanged, -, -",
            "45, Running, 100, 200, Unchanged, -, -",    // never longer
            "45, Running, 100, 40,  Mark,      40, 40",  // shorter, from the first request's time
            "45, Running, 100, 0,   Immediate, -, -",
            "45, Running, 0,   -,   Immediate, -, -",    // a recorded zero: at once
    })
    void decisions(String spec, String phase, String marked, String requested, String decision, String period,
            String after) {
        Deletion existing = marked == null ? null
                : new Deletion(NOW.plusSeconds(Long.parseLong(marked)), Long.parseLong(marked));

        DeletionRules.Decision d = DeletionRules.decide(pod(nullable(spec)), phase, existing, nullable(requested), NOW);

        assertThat(d.getClass().getSimpleName()).isEqualTo(decision);
        if (d instanceof DeletionRules.Mark m) {
            assertThat(m.deletion().gracePeriodSeconds()).isEqualTo(Long.parseLong(period));
            assertThat(m.deletion().timestamp()).isEqualTo(NOW.plusSeconds(Long.parseLong(after)));
        }
    }
}
