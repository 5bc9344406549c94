package dev.resizelet.core.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodStatus.ContainerStatus;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.ResourceRequirements;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The kubelet's {@code getPhase} (pkg/kubelet/kubelet_pods.go). Statuses are written {@code state} per container:
 * {@code run}, {@code wait} (no last state), {@code ok} / {@code err} (terminated 0 / 1), {@code crash} (waiting with a
 * failed last state); init containers before {@code |}, a {@code *} marks a sidecar.
 */
class PodPhaseTest {

    @ParameterizedTest(name = "{0} [{1}] -> {2}")
    @CsvSource(delimiter = ';', value = {
        "Always    ; run | wait          ; Pending",
        "Always    ; ok | run            ; Running",
        "Never     ; err | wait          ; Failed",
        "Always    ; crash | wait        ; Pending",
        "OnFailure ; err | wait          ; Pending",
        "Always    ; *run,run | wait     ; Pending",
        "Always    ; *crash,ok | run     ; Running",
        "Always    ; *wait | wait        ; Pending",
        "Never     ; | ok                ; Succeeded",
        "Never     ; | err               ; Failed",
        "OnFailure ; | err               ; Running",
        "Always    ; | ok                ; Running",
        "Always    ; | run,wait          ; Pending",
    })
    void phaseFromStatuses(String restartPolicy, String statuses, String phase) {
        String[] halves = statuses.split("\\|", -1);
        List<Container> inits = new ArrayList<>();
        List<ContainerStatus> initStatuses = new ArrayList<>();
        int n = 0;
        for (String s : halves[0].trim().isEmpty() ? new String[0] : halves[0].trim().split(",")) {
            boolean sidecar = s.startsWith("*");
            String name = "i" + n++;
            inits.add(new Container(name, "img", List.of(), ResourceRequirements.NONE, Map.of(), sidecar ? "Always" : null));
            initStatuses.add(status(name, s.replace("*", "")));
        }
        List<Container> apps = new ArrayList<>();
        List<ContainerStatus> appStatuses = new ArrayList<>();
        for (String s : halves[1].trim().split(",")) {
            String name = "a" + n++;
            apps.add(Container.of(name, "img", ResourceRequirements.NONE));
            appStatuses.add(status(name, s));
        }
        Pod pod = new Pod("default", "p", PodUid.of("u"), 1, 0, Map.of(), inits, apps, Map.of(), restartPolicy.trim());
        boolean initialized = appStatuses.stream().anyMatch(s -> !s.state().equals("waiting") || s.lastState() != null);

        assertThat(PodPhase.of(pod, initStatuses, appStatuses, initialized)).isEqualTo(phase.trim());
    }

    private static ContainerStatus status(String name, String state) {
        PodStatus.Terminated ok = new PodStatus.Terminated(0, "Completed", null, null, null);
        PodStatus.Terminated err = new PodStatus.Terminated(1, "Error", null, null, null);
        return switch (state.trim()) {
            case "run" -> new ContainerStatus(name, "x://1", "img", true, 0, "running", null, null, null, null, true,
                    null, null, null);
            case "ok" -> new ContainerStatus(name, "x://1", "img", false, 0, "terminated", "Completed", null, null, null,
                    false, ok, null, null);
            case "err" -> new ContainerStatus(name, "x://1", "img", false, 0, "terminated", "Error", null, null, null,
                    false, err, null, null);
            case "crash" -> new ContainerStatus(name, "x://1", "img", false, 1, "waiting", "CrashLoopBackOff", null, null,
                    null, false, null, err, null);
            default -> new ContainerStatus(name, null, "img", false, 0, "waiting", "PodInitializing", null, null, null,
                    false, null, null, null);
        };
    }
}
