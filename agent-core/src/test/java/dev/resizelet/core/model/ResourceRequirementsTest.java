package dev.resizelet.core.model;

import static dev.resizelet.core.testing.Pods.res;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Replacing cpu and memory shares the requirements when nothing prints differently, and sees every change. */
class ResourceRequirementsTest {

    @Test
    void valuesThatPrintTheSameGiveBackTheSameObject() {
        ResourceRequirements r = res("cpu=0.5,memory=128Mi", "cpu=1,memory=256Mi");

        ResourceRequirements same = r.withCpuMemory(Quantity.ofMillis(500), Quantity.ofBytes(128L << 20),
                Quantity.ofMillis(1000), Quantity.ofBytes(256L << 20));

        assertThat(same).isSameAs(r);
    }

    @Test
    void aChangedValueIsSeenAndOtherResourcesAreKept() {
        ResourceRequirements r = res("cpu=500m,memory=128Mi,example.com/dongle=1", "cpu=1,memory=256Mi");

        ResourceRequirements grown = r.withCpuMemory(Quantity.ofMillis(700), Quantity.ofBytes(128L << 20),
                Quantity.ofMillis(1000), null);

        assertThat(grown).isEqualTo(res("cpu=700m,memory=128Mi,example.com/dongle=1", "cpu=1"));
        assertThat(grown.requests()).containsKeys("cpu", "example.com/dongle", "memory");
        assertThat(grown.requests().keySet()).containsExactly("cpu", "example.com/dongle", "memory");
        assertThat(r).isEqualTo(res("cpu=500m,memory=128Mi,example.com/dongle=1", "cpu=1,memory=256Mi"));
    }

    @Test
    void anEqualValueWrittenDifferentlyReplacesTheOldText() {
        ResourceRequirements r = res("", "memory=134217728");

        ResourceRequirements shown = r.withCpuMemory(null, null, null, Quantity.ofBytes(134217728));

        assertThat(shown).isEqualTo(r).isNotSameAs(r);
        assertThat(shown.limit("memory")).hasToString("128Mi");
        assertThat(shown.sameText(r)).isFalse();
    }

    @Test
    void addingAndRemovingCpuAndMemory() {
        assertThat(ResourceRequirements.NONE.withCpuMemory(Quantity.ofMillis(100), null, null, Quantity.ofBytes(1024)))
                .isEqualTo(res("cpu=100m", "memory=1Ki"));
        assertThat(res("cpu=100m,memory=1Ki", "cpu=1").withCpuMemory(null, null, null, null))
                .isEqualTo(ResourceRequirements.NONE);
        assertThat(ResourceRequirements.NONE.withCpuMemory(null, null, null, null)).isSameAs(ResourceRequirements.NONE);
    }

    @ParameterizedTest(name = "{0} and {1}: same text {2}")
    @CsvSource({
            "cpu=500m,   cpu=0.5,       true",
            "cpu=1,      cpu=1000m,     true",
            "memory=128Mi, memory=134217728, false",
            "memory=1G,  memory=1000M,  true",
            "memory=1G,  memory=1e9,    false",
            "cpu=500m,   cpu=501m,      false",
            "cpu=500m,   'cpu=500m,memory=1Ki', false",
    })
    void sameTextComparesWhatIsPrinted(String a, String b, boolean same) {
        assertThat(res(a, "").sameText(res(b, ""))).isEqualTo(same);
        assertThat(res(b, "").sameText(res(a, ""))).isEqualTo(same);
    }
}
