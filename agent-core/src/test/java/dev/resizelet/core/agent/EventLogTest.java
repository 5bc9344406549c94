package dev.resizelet.core.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.status.ResizeEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Events are bounded by count and by age, as the apiserver's event TTL bounds them. */
class EventLogTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static final class MovingClock extends Clock {
        Instant now = T0;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static ResizeEvent event(int pod, Instant at) {
        return new ResizeEvent(0, "default", "p" + pod, PodUid.of("00000000-0000-0000-0000-" + String.format("%012d", pod)),
                ResizeEvent.Type.RESIZE_STARTED, "m", at);
    }

    @Test
    void theNewestThousandAreKept() {
        MovingClock clock = new MovingClock();
        EventLog log = new EventLog(clock);

        for (int i = 0; i < 2500; i++) {
            log.record(event(i, clock.now));
        }

        assertThat(log.list(null)).hasSize(EventLog.CAPACITY);
        assertThat(log.list(null).get(0).podName()).isEqualTo("p1500");
    }

    @Test
    void eventsOlderThanTheTtlAreDroppedEvenOnAnIdleNode() {
        MovingClock clock = new MovingClock();
        EventLog log = new EventLog(clock);
        log.record(event(1, clock.now));
        clock.now = T0.plus(Duration.ofMinutes(30));
        log.record(event(2, clock.now));

        clock.now = T0.plus(EventLog.TTL).plusSeconds(1);

        assertThat(log.list(null)).extracting(ResizeEvent::podName).containsExactly("p2");
        clock.now = clock.now.plus(Duration.ofMinutes(30));
        assertThat(log.list(null)).isEmpty();
    }
}
