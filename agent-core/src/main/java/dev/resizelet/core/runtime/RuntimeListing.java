package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import dev.resizelet.cri.CriRuntime;
import dev.resizelet.cri.v1.Container;
import dev.resizelet.cri.v1.ListContainersRequest;
import dev.resizelet.cri.v1.ListPodSandboxRequest;
import dev.resizelet.cri.v1.PodSandbox;
import dev.resizelet.cri.v1.PodSandboxState;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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

    /**
     * Lists every sandbox (any state) and every container (any state: a completed init container must not rerun), the
     * sandboxes on a thread of their own while this one lists the containers: a runtime answers the two at once.
     */
    public static RuntimeListing read(CriRuntime cri) {
        long t0 = System.nanoTime();
        CompletableFuture<List<PodSandbox>> sandboxes = new CompletableFuture<>();
        Thread sandboxLister = new Thread(() -> {
            try {
                sandboxes.complete(cri.listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList());
            } catch (Throwable e) {
                sandboxes.completeExceptionally(e);
            }
        }, "resizelet-list-sandboxes");
        sandboxLister.setDaemon(true);
        sandboxLister.start();
        List<Container> containers = cri.listContainers(ListContainersRequest.getDefaultInstance()).getContainersList();
        long containersDone = System.nanoTime();
        List<PodSandbox> listed;
        try {
            listed = sandboxes.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
        log.info("runtime listed sandboxes={} containers={} containersMs={} totalMs={}", listed.size(),
                containers.size(), (containersDone - t0) / 1_000_000, (System.nanoTime() - t0) / 1_000_000);
        return new RuntimeListing(listed, containers);
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
