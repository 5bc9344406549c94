package dev.resizelet.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.cri.v1.LinuxContainerResources;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CriResourcesTest {

    @ParameterizedTest(name = "request={0}m limit={1}m memory={2} -> shares={3} quota={4}")
    @CsvSource({
            "500, 500, 134217728, 512, 50000",
            "100, 0, 0, 102, 0",        // no limit: quota 0 (unset), memory 0 (unset)
            "0, 250, 0, 256, 25000",    // no request: shares from the limit
            "1, 5, 0, 2, 1000",         // clamps: shares >= 2, quota >= 1000
            "0, 0, 0, 2, 0"})
    void toCriFollowsTheKubeletFormulas(long req, long lim, long mem, long shares, long quota) {
        LinuxContainerResources r = CriResources.toCri(new ResourceValues(req, lim, 0, mem));
        assertThat(r.getCpuShares()).isEqualTo(shares);
        assertThat(r.getCpuQuota()).isEqualTo(quota);
        assertThat(r.getCpuPeriod()).isEqualTo(100_000);
        assertThat(r.getMemoryLimitInBytes()).isEqualTo(mem);
    }

    @ParameterizedTest(name = "{0}m/{1}m round-trips")
    @CsvSource({"100, 200", "250, 500", "333, 777", "1000, 1000", "4000, 0"})
    void statusConversionInvertsTheRequestAndLimit(long req, long lim) {
        ResourceValues v = new ResourceValues(req, lim, 7, 64L << 20);
        assertThat(CriResources.fromCri(CriResources.toCri(v), 7)).isEqualTo(v);
        assertThat(CriResources.sameAsReported(v, CriResources.fromCri(CriResources.toCri(v), 7))).isTrue();
    }

    @ParameterizedTest(name = "applied {0}m/{1}m vs reported {2}m/{3}m -> {4}")
    @CsvSource({
            "1, 5, 2, 10, true",      // requests both <= 2m, limits both <= 10m
            "1, 5, 3, 10, false",
            "1, 5, 2, 11, false",
            "500, 500, 500, 500, true"})
    void smallValuesCompareEqual(long req, long lim, long reportedReq, long reportedLim, boolean same) {
        assertThat(CriResources.sameAsReported(new ResourceValues(req, lim, 0, 0),
                new ResourceValues(reportedReq, reportedLim, 0, 0))).isEqualTo(same);
    }
}
