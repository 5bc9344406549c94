package dev.resizelet.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.cgroups.CgroupResources;
import org.junit.jupiter.api.Test;

class RuntimeEngineRoundingTest {

    @Test
    void aPodMemoryLimitTheKernelRoundedToPagesCountsAsTheTargetItWasWrittenFrom() {
        CgroupResources file = new CgroupResources(512L, 50_000L, 100_000L, 99_999_744L); // 100M as the kernel keeps it
        CgroupResources target = new CgroupResources(512L, 50_000L, 100_000L, 100_000_000L);

        assertThat(RuntimeEngine.unroundedMemory(file, target).memoryLimitBytes()).isEqualTo(100_000_000L);
        assertThat(RuntimeEngine.unroundedMemory(file, target).cpuShares()).isEqualTo(512L);
    }

    @Test
    void aRealDifferenceStaysADifference() {
        CgroupResources file = new CgroupResources(512L, 50_000L, 100_000L, 64L << 20);
        CgroupResources target = new CgroupResources(512L, 50_000L, 100_000L, 128L << 20);

        assertThat(RuntimeEngine.unroundedMemory(file, target)).isSameAs(file);
        CgroupResources unlimited = file.withMemoryLimit(CgroupResources.UNLIMITED);
        assertThat(RuntimeEngine.unroundedMemory(unlimited, target)).isSameAs(unlimited);
    }
}
