package dev.resizelet.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RestoredPassesTest {
    private final List<String> started = new ArrayList<>();
    private final Set<String> alreadySynced = new HashSet<>();
    private final RestoredPasses<String> passes = new RestoredPasses<>(2, pod -> {
        if (alreadySynced.contains(pod)) {
            return false;
        }
        started.add(pod);
        return true;
    });

    @Test
    void atMostParallelRunAndEachEndStartsTheNextInOrder() {
        passes.enqueue(List.of("a", "b", "c", "d"));
        assertThat(started).containsExactly("a", "b");
        assertThat(passes.waiting()).isEqualTo(2);

        passes.passEnded();
        assertThat(started).containsExactly("a", "b", "c");
        passes.passEnded();
        passes.passEnded();
        assertThat(started).containsExactly("a", "b", "c", "d");
        assertThat(passes.waiting()).isZero();

        passes.passEnded();
        assertThat(started).as("nothing left to start").hasSize(4);
    }

    @Test
    void aPodThatANewTargetAlreadySyncedIsSkippedWithoutTakingASlot() {
        alreadySynced.add("b");
        passes.enqueue(List.of("a", "b", "c", "d"));
        assertThat(started).containsExactly("a", "c");

        passes.passEnded();
        assertThat(started).containsExactly("a", "c", "d");
    }

    @Test
    void parallelBelowOneIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RestoredPasses<String>(0, pod -> true));
        assertThat(e).hasMessage("parallel must be at least 1, got 0");
    }
}
