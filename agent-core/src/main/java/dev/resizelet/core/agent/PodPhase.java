package dev.resizelet.core.agent;

import dev.resizelet.core.api.PodStatus.ContainerStatus;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import java.util.List;

/** The kubelet's {@code getPhase}: a pod's phase from its container statuses and restart policy. */
final class PodPhase {
    private PodPhase() {
    }

    /**
     * @param initialized whether the app containers were created (init containers done)
     */
    static String of(Pod pod, List<ContainerStatus> inits, List<ContainerStatus> apps, boolean initialized) {
        int pendingRegularInit = 0;
        int failedInit = 0;
        int pendingSidecars = 0;
        int unknown = 0;
        int running = 0;
        int waiting = 0;
        int stopped = 0;
        int succeeded = 0;
        for (int i = 0; i < pod.initContainers().size(); i++) {
            Container c = pod.initContainers().get(i);
            ContainerStatus s = i < inits.size() ? inits.get(i) : null;
            if (c.isSidecar()) {
                if (s == null) {
                    unknown++;
                } else if (s.state().equals("running")) {
                    running++;
                } else if (s.state().equals("waiting") && s.lastState() == null) {
                    pendingSidecars++;
                    waiting++;
                }
                continue;
            }
            if (s == null || s.state().equals("running")) {
                pendingRegularInit++;
            } else if (s.state().equals("terminated")) {
                if (s.terminated() != null && s.terminated().exitCode() != 0) {
                    failedInit++;
                }
            } else if (s.lastState() != null) {
                if (s.lastState().exitCode() != 0) {
                    failedInit++;
                }
            } else {
                pendingRegularInit++;
            }
        }
        for (ContainerStatus s : apps) {
            switch (s.state()) {
                case "running" -> running++;
                case "terminated" -> {
                    stopped++;
                    if (s.terminated() != null && s.terminated().exitCode() == 0) {
                        succeeded++;
                    }
                }
                default -> {
                    if (s.lastState() != null) {
                        stopped++;
                    } else {
                        waiting++;
                    }
                }
            }
        }
        if (failedInit > 0 && Pod.RESTART_NEVER.equals(pod.restartPolicy())) {
            return "Failed";
        }
        if (pendingRegularInit > 0 || (pendingSidecars > 0 && !initialized)) {
            return "Pending";
        }
        if (waiting > 0) {
            return "Pending";
        }
        if (running > 0 && unknown == 0) {
            return "Running";
        }
        if (running == 0 && stopped > 0 && unknown == 0) {
            if (Pod.RESTART_ALWAYS.equals(pod.restartPolicy())) {
                return "Running";
            }
            if (stopped == succeeded) {
                return "Succeeded";
            }
            if (Pod.RESTART_NEVER.equals(pod.restartPolicy())) {
                return "Failed";
            }
            return "Running";
        }
        return "Pending";
    }
}
