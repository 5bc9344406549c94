package dev.resizelet.core.model;

import static dev.resizelet.core.testing.Pods.res;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The pod's effective request ({@link Pod#requests()}) against the cases of kubernetes/kubernetes
 * {@code TestPodResourceRequests} (pkg/api/v1/resource, component-helpers/resource) as the scheduler's
 * {@code TestGetPodResourceRequest} carries them: max over init containers of (init + sidecars started before it)
 * against the sum of app containers and all sidecars.
 *
 * <p>Init containers are written {@code name:request}, a {@code *} marks a sidecar ({@code restartPolicy: Always}).
 */
class PodRequestsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // name                                      | init containers                                   | app containers            | cpu    | memory
        "no init containers                          |                                                   | cpu=1;cpu=2               | 3000   | 0",
        "init containers (peak 5G)                   | i1:cpu=2000m,memory=5G;i2:cpu=2000m,memory=1G     | cpu=1000m,memory=1G;cpu=2000m,memory=1G | 3000 | 5000000000",
        "restartable init container                  | *r1:cpu=1                                         | cpu=1                     | 2000   | 0",
        "multiple restartable init containers        | i1:cpu=5;*r1:cpu=1;*r2:cpu=2;*r3:cpu=3            | cpu=1                     | 7000   | 0",
        "multiple restartable and regular init       | i1:cpu=5;*r1:cpu=1;*r2:cpu=2;i2:cpu=5;*r3:cpu=3   | cpu=1                     | 8000   | 0",
        "restartable-init, init and regular          | *r1:cpu=10;i1:cpu=200                             | cpu=100                   | 210000 | 0",
        "sidecar after the init peak does not count  | i1:cpu=4;*r1:cpu=1                                | cpu=1                     | 4000   | 0",
        "memory and cpu peak apart                   | i1:cpu=3,memory=100;*r1:memory=50                 | cpu=1,memory=100          | 3000   | 150",
    })
    void effectiveRequestIsTheKubeletFormula(String name, String inits, String apps, long cpuMillis, long memoryBytes) {
        List<Container> initContainers = new ArrayList<>();
        if (inits != null) {
            for (String spec : inits.split(";")) {
                String[] parts = spec.split(":", 2);
                boolean sidecar = parts[0].startsWith("*");
                initContainers.add(new Container(parts[0].replace("*", ""), "img", List.of(), res(parts[1], ""), Map.of(),
                        sidecar ? Container.RESTART_ALWAYS : null));
            }
        }
        List<Container> appContainers = new ArrayList<>();
        int n = 0;
        for (String spec : apps.split(";")) {
            appContainers.add(new Container("app" + n++, "img", List.of(), res(spec, ""), Map.of(), null));
        }
        Pod pod = new Pod("default", "p", PodUid.of("u"), 1, 0, Map.of(), initContainers, appContainers);

        assertThat(pod.requests()).isEqualTo(new ResourceVector(cpuMillis, memoryBytes));
    }
}
