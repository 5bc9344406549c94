package dev.resizelet.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class StormTimelineTest {
    private static final long MS = 1_000_000L;

    @Test
    void cutsBySendTimeNotByWhenVisible() {
        StormTimeline t = new StormTimeline(500 * MS);
        t.reset(10_000 * MS);
        t.record(10_000 * MS + 100 * MS, 3 * MS);      // window 0
        t.record(10_000 * MS + 400 * MS, 900 * MS);    // window 0, visible long after it ended
        t.record(10_000 * MS + 1_200 * MS, 5 * MS);    // window 2; window 1 is empty
        List<StormTimeline.Window> w = t.windows();
        assertThat(w).hasSize(3);
        assertThat(w.get(0).startSeconds()).isEqualTo(0.0);
        assertThat(w.get(0).count()).isEqualTo(2);
        assertThat(w.get(0).maxMs()).isBetween(890.0, 910.0);
        assertThat(w.get(0).p50Ms()).isBetween(2.9, 3.1);
        assertThat(w.get(1)).isEqualTo(new StormTimeline.Window(0.5, 0, 0, 0, 0));
        assertThat(w.get(2).startSeconds()).isEqualTo(1.0);
        assertThat(w.get(2).p99Ms()).isBetween(4.9, 5.1);
    }

    @Test
    void sendsBeforeTheStartAreIgnoredAndResetStartsOver() {
        StormTimeline t = new StormTimeline(500 * MS);
        t.reset(1_000 * MS);
        t.record(999 * MS, 1 * MS);
        assertThat(t.windows()).isEmpty();
        t.record(1_000 * MS, 1 * MS);
        assertThat(t.windows()).hasSize(1);
        t.reset(5_000 * MS);
        assertThat(t.windows()).isEmpty();
    }

    @Test
    void refusesANonPositiveWindow() {
        assertThatThrownBy(() -> new StormTimeline(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
