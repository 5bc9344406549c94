package dev.resizelet.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** kubelet 1.35 convertContainerStatusResources, case by case (pkg/kubelet/kubelet_pods_test.go's table and issue 12). */
class StatusResourcesTest {

    private static Map<String, Quantity> list(String spec) {
        Map<String, Quantity> out = new LinkedHashMap<>();
        if (spec != null && !spec.isBlank()) {
            for (String kv : spec.split(";")) {
                String[] p = kv.trim().split("=", 2);
                out.put(p[0], Quantity.parse(p[1]));
            }
        }
        return out;
    }

    private static ResourceRequirements req(String requests, String limits) {
        return new ResourceRequirements(list(requests), list(limits));
    }

    private static ResourceValues cri(long shares, long quota, long memoryLimit) {
        return CriResources.fromCri(dev.resizelet.cri.v1.LinuxContainerResources.newBuilder().setCpuShares(shares)
                .setCpuQuota(quota).setCpuPeriod(100000).setMemoryLimitInBytes(memoryLimit).build(), 0);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            // case                                   | allocated requests                       | allocated limits                           | shares | quota  | memory    | previous requests | previous limits | expected requests                          | expected limits
            "guaranteed, runtime agrees                | cpu=500m;memory=128Mi                    | cpu=500m;memory=128Mi                      | 512    | 50000  | 134217728 | -                 | -               | cpu=500m;memory=128Mi                      | cpu=500m;memory=128Mi",
            "runtime differs: its values are shown     | cpu=100m;memory=128Mi                    | cpu=200m;memory=256Mi                      | 204    | 30000  | 134217728 | -                 | -               | cpu=200m;memory=128Mi                      | cpu=300m;memory=128Mi",
            "memory only: no cpu request in, none out  | memory=128Mi                             | memory=256Mi                               | 2      | -1     | 268435456 | -                 | -               | memory=128Mi                               | memory=256Mi",
            "best effort: nothing shown                | -                                        | -                                          | 2      | 0      | 0         | -                 | -               | -                                          | -",
            "equivalent minimums keep the allocation   | cpu=1m                                   | cpu=5m                                     | 2      | 1000   | 0         | -                 | -               | cpu=1m                                     | cpu=5m",
            "2m request at 2 shares stays 2m           | cpu=2m                                   | cpu=10m                                    | 2      | 1000   | 0         | -                 | -               | cpu=2m                                     | cpu=10m",
            "above the minimum the runtime's value     | cpu=1m                                   | cpu=5m                                     | 3      | 2000   | 0         | -                 | -               | cpu=3m                                     | cpu=20m",
            "allocation above, runtime at minimum      | cpu=100m                                 | cpu=100m                                   | 2      | 1000   | 0         | -                 | -               | cpu=2m                                     | cpu=10m",
            "other resources come from the allocation  | cpu=100m;example.com/dongle=1;ephemeral-storage=1Gi | cpu=200m;example.com/dongle=1;ephemeral-storage=2Gi | 102 | 20000 | 0 | -            | -               | cpu=100m;example.com/dongle=1;ephemeral-storage=1Gi | cpu=200m;example.com/dongle=1;ephemeral-storage=2Gi",
            "no limits allocated: runtime limit unseen | cpu=100m                                 | -                                          | 102    | 0      | 536870912 | -                 | -               | cpu=100m                                   | -",
            "unreported limit keeps the previous one   | cpu=100m;memory=64Mi                     | cpu=200m;memory=256Mi                      | 102    | 20000  | 0         | cpu=100m;memory=64Mi | cpu=200m;memory=128Mi | cpu=100m;memory=64Mi                | cpu=200m;memory=128Mi",
            "unreported cpu keeps the previous one     | cpu=300m                                 | cpu=400m                                   | 0      | 0      | 0         | cpu=250m          | cpu=350m        | cpu=250m                                   | cpu=350m",
    })
    void convertsLikeTheKubelet(String name, String allocRequests, String allocLimits, long shares, long quota, long memory,
            String prevRequests, String prevLimits, String wantRequests, String wantLimits) {
        ResourceRequirements previous = prevRequests == null && prevLimits == null ? null : req(prevRequests, prevLimits);

        ResourceRequirements status = StatusResources.convert(req(allocRequests, allocLimits), cri(shares, quota, memory), previous);

        assertThat(status).isEqualTo(req(wantRequests, wantLimits));
    }
}
