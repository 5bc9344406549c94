package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.v1.Container;
import dev.resizelet.cri.v1.ListContainersRequest;
import dev.resizelet.cri.v1.ListPodSandboxRequest;
import dev.resizelet.cri.v1.PodSandbox;
import dev.resizelet.cri.v1.PodSandboxState;
import java.util.List;

/**
 * Every sandbox and container the runtime holds, read with one node-wide {@code ListPodSandbox} and one
 * {@code ListContainers} at start. The orphan sweep and the adoption of running pods both work from it: at 10,000 pods
 * each listing costs the runtime and the agent hundreds of milliseconds, and the two used to list twice each. It is
 * read before the agent serves, so nothing the agent starts can be missing from it.
 */
public record RuntimeListing(List<PodSandbox> sandboxes, List<Container> containers) {
    public RuntimeListing {
        sandboxes = List.copyOf(requireNonNull(sandboxes, "sandboxes"));
        containers = List.copyOf(requireNonNull(containers, "containers"));
    }

    /**
     * Lists every sandbox (any state) and every container (any state: a completed init container must not rerun). The
     * start reads the two at once on threads of its own ({@link #sandboxes}, {@link #containers}).
     */
    public static RuntimeListing read(CriRuntime cri) {
        return new RuntimeListing(sandboxes(cri), containers(cri));
    }

    /** Every sandbox the runtime holds, in any state. */
    public static List<PodSandbox> sandboxes(CriRuntime cri) {
        return cri.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList();
    }

    /** Every container the runtime holds, in any state. */
    public static List<Container> containers(CriRuntime cri) {
        return cri.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList();
    }

    /** The sandboxes that are ready (what adoption takes over). */
    public List<PodSandbox> readySandboxes() {
        return sandboxes.stream().filter(s -> s.getState() == PodSandboxState.SANDBOX_READY).toList();
    }

    /** The containers carrying the agent's {@code io.resizelet.managed=true} label (what the sweep may remove). */
    public List<Container> managedContainers() {
        return containers.stream()
                .filter(c -> SandboxConfigs.MANAGED.equals(c.getLabelsOrDefault(SandboxConfigs.LABEL_MANAGED, "")))
                .toList();
    }
}
