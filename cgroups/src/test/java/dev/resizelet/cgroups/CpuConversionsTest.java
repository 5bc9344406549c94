package dev.resizelet.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class CpuConversionsTest {

    @ParameterizedTest(name = "{0}m -> {1} shares")
    @CsvSource({
            "0, 2",            // no request: kernel minimum
            "1, 2",            // 1*1024/1000 = 1, clamped up
            "2, 2",            // 2*1024/1000 = 2
            "3, 3",
            "10, 10",          // 10240/1000 = 10
            "100, 102",
            "250, 256",
            "500, 512",
            "999, 1022",       // integer division, not rounding
            "1000, 1024",
            "1500, 1536",
            "4000, 4096",
            "256000, 262144",  // exactly the maximum
            "256001, 262144",  // 262145 clamped
            "1000000, 262144", // far above
    })
    void milliCpuToShares(long milliCpu, long shares) {
        assertThat(CpuConversions.milliCpuToShares(milliCpu)).isEqualTo(shares);
    }

    @ParameterizedTest(name = "{0}m period {1} -> quota {2}")
    @CsvSource({
            "0, 100000, -1",          // no limit: unlimited
            "1, 100000, 1000",        // 100 clamped up to the 1ms minimum
            "2, 100000, 1000",        // 200
            "9, 100000, 1000",        // 900
            "10, 100000, 1000",       // exactly the minimum
            "11, 100000, 1100",
            "100, 100000, 10000",
            "250, 100000, 25000",
            "1000, 100000, 100000",
            "1500, 100000, 150000",
            "4000, 100000, 400000",
            "100, 50000, 5000",       // custom period (kubelet --cpu-cfs-quota-period)
            "10, 50000, 1000",        // 500 clamped
    })
    void milliCpuToQuota(long milliCpu, long period, long quota) {
        assertThat(CpuConversions.milliCpuToQuota(milliCpu, period)).isEqualTo(quota);
    }

    @ParameterizedTest(name = "{0} shares -> {1}m")
    @CsvSource({
            "0, 0",          // below minimum: not set
            "1, 0",
            "2, 2",          // ceil(1.953)
            "3, 3",          // ceil(2.93)
            "10, 10",        // ceil(9.77)
            "102, 100",      // ceil(99.6)
            "256, 250",
            "512, 500",
            "1022, 999",     // ceil(998.05)
            "1024, 1000",
            "1536, 1500",
            "262144, 256000",
    })
    void sharesToMilliCpu(long shares, long milliCpu) {
        assertThat(CpuConversions.sharesToMilliCpu(shares)).isEqualTo(milliCpu);
    }

    @ParameterizedTest(name = "quota {0} period {1} -> {2}m")
    @CsvSource({
            "-1, 100000, 0",     // unlimited
            "0, 100000, 0",
            "1000, 100000, 10",  // the 1ms floor reads back as 10m
            "1100, 100000, 11",
            "25000, 100000, 250",
            "100000, 100000, 1000",
            "150000, 100000, 1500",
            "5000, 50000, 100",
            "1000, 0, 0",        // no period: nothing to divide by
    })
    void quotaToMilliCpu(long quota, long period, long milliCpu) {
        assertThat(CpuConversions.quotaToMilliCpu(quota, period)).isEqualTo(milliCpu);
    }

    @ParameterizedTest(name = "{0} shares -> weight {1} linear, {2} log-scale")
    @CsvSource({
            "0, 1, 0",           // log-scale: 0 means unset
            "1, 1, 1",
            "2, 1, 1",           // minimum -> minimum
            "3, 1, 2",
            "4, 1, 2",
            "10, 1, 4",          // 10m request
            "51, 2, 11",
            "102, 4, 17",        // 100m
            "256, 10, 35",       // 250m
            "512, 20, 59",       // 500m
            "1000, 39, 99",
            "1024, 39, 100",     // kubelet's and runc's published default: 1 CPU
            "2048, 79, 174",
            "4096, 157, 303",
            "10240, 391, 639",
            "102400, 3906, 4429",
            "131072, 5000, 5478",
            "262143, 9999, 10000",
            "262144, 10000, 10000", // maximum -> maximum
            "262145, 10000, 10000", // above the maximum: clamped
            "1000000, 10000, 10000",
    })
    void sharesToWeight(long shares, long linear, long log) {
        assertThat(CpuConversions.sharesToWeightLinear(shares)).as("linear").isEqualTo(linear);
        assertThat(CpuConversions.sharesToWeightLog(shares)).as("log-scale").isEqualTo(log);
    }

    @ParameterizedTest(name = "weight {0} -> {1} shares (kubelet: {2}), log-scale {3}")
    @CsvSource({
            "0, 2, 2, 2",          // clamped to the minimum weight
            "1, 2, 2, 2",
            "2, 29, 28, 3",
            "4, 81, 80, 10",
            "39, 999, 998, 295",   // kubelet's floor gives 998, whose linear weight is 38
            "100, 2598, 2597, 1012",
            "5000, 131060, 131059, 117894",
            "9999, 262118, 262117, 262085",
            "10000, 262144, 262144, 262115", // log-scale reaches 10000 just below the maximum shares
            "20000, 262144, 262144, 262115",
    })
    void weightToShares(long weight, long linear, long kubelet, long log) {
        assertThat(CpuConversions.weightToSharesLinear(weight)).as("linear").isEqualTo(linear);
        assertThat(CpuConversions.kubeletWeightToShares(weight)).as("kubelet").isEqualTo(kubelet);
        assertThat(CpuConversions.weightToSharesLog(weight)).as("log-scale").isEqualTo(log);
    }

    @Test
    void linearInverseRoundTripsEveryWeightAndIsTheSmallestShares() {
        LongStream.rangeClosed(1, 10_000).forEach(w -> {
            long s = CpuConversions.weightToSharesLinear(w);
            assertThat(CpuConversions.sharesToWeightLinear(s)).as("weight %d", w).isEqualTo(w);
            if (s > CpuConversions.MIN_SHARES) {
                assertThat(CpuConversions.sharesToWeightLinear(s - 1)).as("weight %d", w).isLessThan(w);
            }
        });
    }

    @Test
    void logInverseRoundTripsEveryWeightAndIsTheSmallestShares() {
        LongStream.rangeClosed(1, 10_000).forEach(w -> {
            long s = CpuConversions.weightToSharesLog(w);
            assertThat(CpuConversions.sharesToWeightLog(s)).as("weight %d", w).isEqualTo(w);
            if (s > CpuConversions.MIN_SHARES) {
                assertThat(CpuConversions.sharesToWeightLog(s - 1)).as("weight %d", w).isLessThan(w);
            }
        });
    }

    @Test
    void bothWeightScalesAreMonotonicOverAllShares() {
        long prevLinear = 0;
        long prevLog = 0;
        for (long s = CpuConversions.MIN_SHARES; s <= CpuConversions.MAX_SHARES; s++) {
            long linear = CpuConversions.sharesToWeightLinear(s);
            long log = CpuConversions.sharesToWeightLog(s);
            assertThat(linear).isBetween(Math.max(prevLinear, 1), 10_000L);
            assertThat(log).isBetween(Math.max(prevLog, 1), 10_000L);
            prevLinear = linear;
            prevLog = log;
        }
    }

    @ParameterizedTest(name = "{0}m -> shares -> {0}m")
    @CsvSource({"2", "3", "10", "100", "250", "333", "500", "999", "1000", "1500", "4000", "256000"})
    void sharesToMilliCpuInvertsMilliCpuToSharesFromTwoMillicores(long milliCpu) {
        // every request ≥ 2m reads back exactly: ceil(floor(m*1024/1000)*1000/1024) = m
        assertThat(CpuConversions.sharesToMilliCpu(CpuConversions.milliCpuToShares(milliCpu))).isEqualTo(milliCpu);
    }

    @Test
    void requestsBelowTwoMillicoresReadBackAsTwo() {
        // DESIGN §5: requests both ≤ 2m compare equal
        assertThat(CpuConversions.sharesToMilliCpu(CpuConversions.milliCpuToShares(0))).isEqualTo(2);
        assertThat(CpuConversions.sharesToMilliCpu(CpuConversions.milliCpuToShares(1))).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}m limit -> quota -> {0}m")
    @CsvSource({"10", "11", "100", "250", "1000", "1500", "64000"})
    void quotaToMilliCpuInvertsMilliCpuToQuotaFromTenMillicores(long milliCpu) {
        long quota = CpuConversions.milliCpuToQuota(milliCpu, CpuConversions.DEFAULT_PERIOD_US);
        assertThat(CpuConversions.quotaToMilliCpu(quota, CpuConversions.DEFAULT_PERIOD_US)).isEqualTo(milliCpu);
    }

    @Test
    void limitsBelowTenMillicoresReadBackAsTen() {
        // DESIGN §5: limits both ≤ 10m compare equal
        for (long m = 1; m <= 10; m++) {
            long quota = CpuConversions.milliCpuToQuota(m, CpuConversions.DEFAULT_PERIOD_US);
            assertThat(CpuConversions.quotaToMilliCpu(quota, CpuConversions.DEFAULT_PERIOD_US)).isEqualTo(10);
        }
    }

    @ParameterizedTest(name = "weight {0} matches {1} shares: {2}")
    @CsvSource({
            "39, 1024, true",   // kubelet linear (pod cgroups)
            "100, 1024, true",  // runc log-scale (containers)
            "101, 1024, false",
            "1, 2, true",
            "10000, 262144, true",
            "4, 10, true",      // log-scale
            "1, 10, true",      // linear
            "2, 10, false",
    })
    void weightMatchesEitherFormula(long weight, long shares, boolean matches) {
        assertThat(CpuConversions.weightMatchesShares(weight, shares)).isEqualTo(matches);
    }

    @ParameterizedTest
    @EnumSource(CpuWeightScale.class)
    void weightScaleDelegatesToItsFormula(CpuWeightScale scale) {
        long expected = scale == CpuWeightScale.LINEAR ? 39 : 100;
        assertThat(scale.toWeight(1024)).isEqualTo(expected);
        assertThat(scale.toWeight(scale.toShares(expected))).isEqualTo(expected);
    }

    @Test
    void negativeInputsAreRejectedWithTheValue() {
        assertThatThrownBy(() -> CpuConversions.milliCpuToShares(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("milliCpu must not be negative, got -1");
        assertThatThrownBy(() -> CpuConversions.milliCpuToQuota(-5, 100_000))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("milliCpu must not be negative, got -5");
        assertThatThrownBy(() -> CpuConversions.milliCpuToQuota(5, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("cpu period must be positive, got 0");
        assertThatThrownBy(() -> CpuConversions.sharesToWeightLog(-2))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("shares must not be negative, got -2");
    }
}
