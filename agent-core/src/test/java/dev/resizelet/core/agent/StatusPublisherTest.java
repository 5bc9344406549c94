package dev.resizelet.core.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.resizelet.core.model.PodUid;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Kicks of one pod coalesce by its uid's value (each kick may carry its own {@code PodUid} instance). */
class StatusPublisherTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void kicksWhileAPodIsPublishedRunItOnceMoreAndOtherPodsAreNotMerged() throws Exception {
        // given a publisher whose first publication of pod "a" blocks until released
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<PodUid> published = new CopyOnWriteArrayList<>();
        try (StatusPublisher publisher = new StatusPublisher(uid -> {
            published.add(uid);
            if (published.size() == 1) {
                firstStarted.countDown();
                block(release);
            }
        }, 1)) {
            publisher.kick(new PodUid("a"));
            assertThat(firstStarted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

            // when "a" is kicked three more times (new instances of the same uid) and "b" once, while "a" is published
            publisher.kick(new PodUid("a"));
            publisher.kick(new PodUid("a"));
            publisher.kick(new PodUid("a"));
            publisher.kick(new PodUid("b"));
            assertThat(publisher.backlog()).isEqualTo(2);
            release.countDown();

            // then "a" is published once more (the three kicks coalesced), "b" once, and nothing waits
            await().atMost(WAIT).until(() -> published.size() == 3 && publisher.backlog() == 0);
            assertThat(published).containsExactlyInAnyOrder(PodUid.of("a"), PodUid.of("a"), PodUid.of("b"));
            assertThat(published.get(0)).isEqualTo(PodUid.of("a"));
        }
    }

    private static void block(CountDownLatch latch) {
        try {
            latch.await(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
