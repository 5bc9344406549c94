package dev.resizelet.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResizeMixTest {

    @Test
    void parsesWeightsAndLeavesOutKindsAtZero() {
        ResizeMix mix = ResizeMix.parse(" fits=3, deferred=1 ");

        assertThat(mix.weights()).containsEntry(ResizeKind.FITS, 3).containsEntry(ResizeKind.DEFERRED, 1)
                .containsEntry(ResizeKind.UP, 0).containsEntry(ResizeKind.INFEASIBLE, 0);
        assertThat(mix.total()).isEqualTo(4);
        assertThat(mix).hasToString("fits=3,deferred=1");
    }

    @Test
    void picksKindsInProportionToTheirWeights() {
        ResizeMix mix = ResizeMix.parse(ResizeMix.DEFAULT);
        SplittableRandom random = new SplittableRandom(7);
        Map<ResizeKind, Integer> seen = new EnumMap<>(ResizeKind.class);

        for (int i = 0; i < 100_000; i++) {
            seen.merge(mix.pick(random), 1, Integer::sum);
        }

        assertThat(seen.get(ResizeKind.FITS)).isBetween(48_000, 52_000);
        assertThat(seen.get(ResizeKind.UP)).isBetween(19_000, 21_000);
        assertThat(seen.get(ResizeKind.INFEASIBLE)).isBetween(4_500, 5_500);
    }

    @Test
    void aKindWithWeightZeroIsNeverPicked() {
        ResizeMix mix = ResizeMix.parse("up=1,down=0");
        SplittableRandom random = new SplittableRandom(1);

        for (int i = 0; i < 1000; i++) {
            assertThat(mix.pick(random)).isEqualTo(ResizeKind.UP);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "fits                | expected kind=weight, got \"fits\"",
        "sideways=1          | unknown kind \"sideways\"",
        "fits=x              | weight of fits is not a whole number",
        "fits=-1             | must not be negative",
        "fits=1;up=2         | weight of fits is not a whole number",
        "up=0,down=0         | at least one positive weight",
    })
    void rejectsBadMixesWithTheReason(String text, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ResizeMix.parse(text));

        assertThat(e.getMessage()).startsWith("invalid --mix").contains(reason);
    }

    @Test
    void rejectsAKindGivenTwice() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResizeMix.parse("up=1,up=2"));

        assertThat(e.getMessage()).contains("up is given twice");
    }
}
