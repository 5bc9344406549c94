package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cgroups.CgroupName;
import dev.resizelet.core.model.PodUid;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A pod the runtime runs: its sandbox, its pod cgroup and its containers as last reported. Immutable. */
public record RunningPod(PodUid uid, String sandboxId, CgroupName podCgroup, List<RunningContainer> containers) {
    public RunningPod {
        requireNonNull(uid, "uid");
        requireNonNull(sandboxId, "sandboxId");
        requireNonNull(podCgroup, "podCgroup");
        containers = List.copyOf(containers);
    }

    public Optional<RunningContainer> container(String name) {
        return Optional.ofNullable(find(name));
    }

    public String containerId(String name) {
        RunningContainer c = find(name);
        return c == null ? "" : c.containerId();
    }

    /** A loop, not a stream: the engine asks this for every container of every pass. */
    private RunningContainer find(String name) {
        for (int i = 0; i < containers.size(); i++) {
            RunningContainer c = containers.get(i);
            if (c.name().equals(name)) {
                return c;
            }
        }
        return null;
    }

    public RunningPod with(RunningContainer c) {
        Map<String, RunningContainer> byName = new LinkedHashMap<>();
        containers.forEach(x -> byName.put(x.name(), x));
        byName.put(c.name(), c);
        return new RunningPod(uid, sandboxId, podCgroup, List.copyOf(byName.values()));
    }
}
