package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.v1.Container;
import dev.resizelet.cri.v1.ListContainersRequest;
import dev.resizelet.cri.v1.ListPodSandboxRequest;
import dev.resizelet.cri.v1.PodSandbox;
import dev.resizelet.cri.v1.PodSandboxState;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every sandbox and container the runtime holds, read with one node-wide {@code ListPodSandbox} and one
 * {@code ListContainers} at start. The orphan sweep and the adoption of running pods both work from it: at 10,000 pods
 * each listing costs the runtime and the agent hundreds of milliseconds, and the two used to list twice each. It is
 * read before the agent serves, so nothing the agent starts can be missing from it.
 */
public record RuntimeListing(List<PodSandbox> sandboxes, List<Container> containers) {
    private static final Logger log = LoggerFactory.getLogger(RuntimeListing.class);

    public RuntimeListing {
        sandboxes = List.copyOf(requireNonNull(sandboxes, "sandboxes"));
        containers = List.copyOf(requireNonNull(containers, "containers"));
    }

    /** Lists every sandbox (any state) and every container (any state: a completed init container must not rerun). */
    public static RuntimeListing read(CriRuntime cri) {
        long t0 = System.nanoTime();
        List<PodSandbox> sandboxes = cri.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList();
        long t1 = System.nanoTime();
        List<Container> containers = cri.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList();
        log.info("runtime listed sandboxes={} sandboxesMs={} containers={} containersMs={}", sandboxes.size(),
                (t1 - t0) / 1_000_000, containers.size(), (System.nanoTime() - t1) / 1_000_000);
        return new RuntimeListing(sandboxes, containers);
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
