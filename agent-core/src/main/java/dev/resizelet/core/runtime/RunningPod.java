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

    /**
     * This pod with {@code c} in place of the container of its name (added last if there is none); this pod itself
     * when that container is {@code c} or equal to it, so a re-read that finds nothing new keeps the pod as it was.
     */
    public RunningPod with(RunningContainer c) {
        if (repeatsAName()) {
            return withRepeatedNames(c); // a pod never lists a name twice; if one did, the old meaning holds
        }
        int at = -1;
        for (int i = 0; i < containers.size() && at < 0; i++) {
            if (containers.get(i).name().equals(c.name())) {
                at = i;
            }
        }
        if (at >= 0 && containers.get(at).equals(c)) {
            return this;
        }
        RunningContainer[] next = containers.toArray(new RunningContainer[at >= 0 ? containers.size()
                : containers.size() + 1]);
        next[at >= 0 ? at : containers.size()] = c;
        return new RunningPod(uid, sandboxId, podCgroup, List.of(next));
    }

    private boolean repeatsAName() {
        for (int i = 0; i < containers.size(); i++) {
            for (int j = i + 1; j < containers.size(); j++) {
                if (containers.get(i).name().equals(containers.get(j).name())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The first meaning of {@link #with}: one container per name, at its first place, the last of a name kept. */
    private RunningPod withRepeatedNames(RunningContainer c) {
        Map<String, RunningContainer> byName = new LinkedHashMap<>();
        containers.forEach(x -> byName.put(x.name(), x));
        byName.put(c.name(), c);
        return new RunningPod(uid, sandboxId, podCgroup, List.copyOf(byName.values()));
    }
}
