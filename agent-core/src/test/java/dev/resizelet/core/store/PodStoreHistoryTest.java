package dev.resizelet.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The watch history is bounded by age as well as by count: a watch from a version older than that is 410 Gone. */
class PodStoreHistoryTest {
    private static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");

    private static final class MovingClock extends Clock {
        volatile Instant now = T0;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void historyOlderThanItsAgeIsDroppedAndAWatchFromThereIsGone() {
        MovingClock clock = new MovingClock();
        PodStore<String, String> store = PodStore.inMemory(PodStoreTest.CODEC, clock);
        store.create(new ObjectKey("default", "first"), "uid-0", "s0", null); // so that rv1 - 1 is a version, not "now"
        long rv1 = store.create(PodStoreTest.A, "uid-a", "s1", null).resourceVersion();
        clock.now = T0.plus(Duration.ofMinutes(3));
        long rv2 = store.create(PodStoreTest.B, "uid-b", "s1", null).resourceVersion();

        // within the age: both changes are replayed from before the first
        List<StoreEvent<String, String>> replay = new CopyOnWriteArrayList<>();
        store.watch(null, rv1 - 1, replay::add);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> replay.size() == 2);

        // past the age of the first, not of the second
        clock.now = T0.plus(PodStore.HISTORY_AGE).plusSeconds(1);
        assertThrows(StoreException.Gone.class, () -> store.watch(null, rv1 - 1, e -> { }));
        List<StoreEvent<String, String>> fromFirst = new CopyOnWriteArrayList<>();
        store.watch(null, rv1, fromFirst::add);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> fromFirst.size() == 1);
        assertThat(fromFirst.get(0).object().resourceVersion()).isEqualTo(rv2);

        // past both: only a watch from the current version (or a re-list) works
        clock.now = T0.plus(Duration.ofMinutes(3)).plus(PodStore.HISTORY_AGE).plusSeconds(1);
        assertThrows(StoreException.Gone.class, () -> store.watch(null, rv1, e -> { }));
        store.watch(null, rv2, e -> { }); // nothing missed
    }
}
