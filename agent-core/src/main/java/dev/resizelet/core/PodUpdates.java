package dev.resizelet.core;

import dev.resizelet.core.admission.ReconcileLoop;
import dev.resizelet.core.api.ConflictException;
import dev.resizelet.core.api.InvalidException;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.store.ObjectKey;
import dev.resizelet.core.store.PodStore;
import dev.resizelet.core.store.StoreException;
import dev.resizelet.core.store.StoredObject;
import dev.resizelet.core.validation.FieldError;
import dev.resizelet.core.validation.FieldPath;
import dev.resizelet.core.validation.PodValidator;
import dev.resizelet.core.validation.ResizeSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A new spec for an existing pod ({@link NodeAgent#update(String, String, Pod, Long, Long, boolean, boolean)}):
 * validated against the stored spec with the apiserver's rules, given a new generation when the spec changed, stored
 * under the caller's preconditions and, for a new generation, handed to the loop as a resize.
 */
final class PodUpdates {
    private final PodStore<Pod, PodStatus> store;
    private final ReconcileLoop loop;
    private final PodStatuses statuses;
    private final AtomicLong requestedResizes = new AtomicLong();

    PodUpdates(PodStore<Pod, PodStatus> store, ReconcileLoop loop, PodStatuses statuses) {
        this.store = store;
        this.loop = loop;
        this.statuses = statuses;
    }

    /** Resizes requested since start. */
    long requestedResizes() {
        return requestedResizes.get();
    }

    /** As {@link NodeAgent#update(String, String, Pod, Long, Long, boolean, boolean)}. */
    PodView update(String namespace, String name, Pod newSpec, Long expectedResourceVersion, Long expectedGeneration,
            boolean resizeSubresource, boolean dryRun) {
        ObjectKey key = new ObjectKey(namespace, name);
        ResizeSource source = resizeSubresource ? ResizeSource.RESIZE_SUBRESOURCE : ResizeSource.POD_UPDATE;
        StoredObject<Pod, PodStatus> current = store.get(key).orElseThrow(() -> NodeAgent.notFound(name));
        if ((expectedResourceVersion != null && expectedResourceVersion != current.resourceVersion())
                || (expectedGeneration != null && expectedGeneration != current.generation())) {
            throw new ConflictException(new StoreException.Conflict(key).getMessage());
        }
        Pod next = validated(current, newSpec, source);
        refuseResizeWhileTerminating(current, next);
        if (dryRun) {
            return new PodView(next, current.status(), current.resourceVersion(), next.generation(),
                    current.creationTimestamp());
        }
        if (next.withGeneration(current.generation()).equals(current.spec())) {
            return statuses.view(current); // nothing changed: like the apiserver, no new generation and no write
        }
        StoredObject<Pod, PodStatus> updated;
        try {
            updated = store.updateSpec(key, expectedResourceVersion, o -> {
                if (expectedGeneration != null && o.generation() != expectedGeneration) {
                    throw new StoreException.Conflict(key);
                }
                // validated above against the same spec generation: only a spec written meanwhile is checked again
                Pod checked = o.generation() == current.generation() ? next : validated(o, newSpec, source);
                refuseResizeWhileTerminating(o, checked);
                return new PodStore.Change<>(checked, o.status(), checked.generation() != o.generation());
            });
        } catch (StoreException.NotFound e) {
            throw NodeAgent.notFound(name);
        } catch (StoreException.Conflict e) {
            throw new ConflictException(e.getMessage());
        }
        if (updated.generation() == current.generation()) {
            return statuses.view(updated); // labels or annotations only: nothing to admit or enact
        }
        requestedResizes.incrementAndGet();
        // the loop ignores a spec older than one it has seen: writers racing to it cannot reorder generations
        loop.requestResize(updated.spec()); // its decision is published once durable (onCommitted)
        return statuses.view(updated);
    }

    /** {@code newSpec} on the stored pod's identity, validated; a new generation when more than metadata changed. */
    private Pod validated(StoredObject<Pod, PodStatus> current, Pod newSpec, ResizeSource source) {
        Pod old = current.spec();
        Pod candidate = new Pod(old.namespace(), old.name(), old.uid(), current.generation(), newSpec.priority(),
                newSpec.annotations(), newSpec.initContainers(), newSpec.containers(),
                source == ResizeSource.RESIZE_SUBRESOURCE ? old.labels() : newSpec.labels(), newSpec.restartPolicy(),
                old.terminationGracePeriodSeconds(), newSpec.podResources());
        List<FieldError> errors = PodValidator.validateResize(old, candidate, source);
        if (!errors.isEmpty()) {
            throw new InvalidException(old.name(), errors);
        }
        // the apiserver's updatePodGeneration: a new generation for a spec change, none for labels or annotations
        boolean specChanged = !candidate.withMetadataOf(old).equals(old.withGeneration(current.generation()));
        return candidate.withGeneration(specChanged ? current.generation() + 1 : current.generation());
    }

    /**
     * A pod being deleted is not resized: its containers are stopping. The kubelet ignores such a resize (a terminating
     * pod's worker only tears down); the agent says so at once rather than accept a spec it will never enact. Other
     * changes (labels) are allowed, as on any pod.
     */
    private static void refuseResizeWhileTerminating(StoredObject<Pod, PodStatus> current, Pod next) {
        if (current.terminating()
                && !next.resources().sameResources(current.spec().resources())) {
            throw new InvalidException(current.spec().name(), List.of(FieldError.forbidden(FieldPath.root(""),
                    "pods that are being deleted cannot be resized")));
        }
    }
}
