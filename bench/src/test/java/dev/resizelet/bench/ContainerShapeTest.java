package dev.resizelet.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.resizelet.cri.v1.LinuxContainerResources;
import org.junit.jupiter.api.Test;

class ContainerShapeTest {

    @Test
    void levelsStepRequestsLimitsAndMemory() {
        ContainerShape s = ContainerShape.at(2, true);

        assertThat(s.cpuRequestMilli()).isEqualTo(120);
        assertThat(s.cpuLimitMilli()).isEqualTo(240);
        assertThat(s.memoryRequestBytes()).isEqualTo(64L << 20);
        assertThat(s.memoryLimitBytes()).isEqualTo((128L + 32 + 8) << 20);
    }

    @Test
    void criValuesFollowTheKubeletFormulas() {
        LinuxContainerResources r = ContainerShape.at(0, false).toCri();

        assertThat(r.getCpuShares()).isEqualTo(102); // 100m * 1024 / 1000
        assertThat(r.getCpuQuota()).isEqualTo(20_000); // 200m * 100000 / 1000
        assertThat(r.getCpuPeriod()).isEqualTo(100_000);
        assertThat(r.getMemoryLimitInBytes()).isEqualTo(128L << 20);
        assertThat(ContainerShape.at(0, false).matches(r)).isTrue();
        assertThat(ContainerShape.at(1, false).matches(r)).isFalse();
    }

    @Test
    void bareBaselineValuesAreTheStormsFirstStep() {
        assertThat(ContainerShape.at(0, false).matches(BareBaseline.LOW)).isTrue();
        assertThat(ContainerShape.at(1, false).matches(BareBaseline.HIGH)).isTrue();
    }

    @Test
    void rejectsLevelsOutOfRangeAndShapesThatWouldChangeQos() {
        assertThrows(IllegalArgumentException.class, () -> ContainerShape.at(ContainerShape.MAX_LEVEL + 1, false));
        assertThrows(IllegalArgumentException.class, () -> new ContainerShape(200, 100, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> new ContainerShape(100, 200, 2, 2));
    }
}
