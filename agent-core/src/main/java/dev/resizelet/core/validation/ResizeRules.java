package dev.resizelet.core.validation;

import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceNames;
import dev.resizelet.core.model.ResourceRequirements;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The resize-specific rules of ValidatePodResize, applied after container order is known to match. */
final class ResizeRules {

    static final String POD_UPDATE_FORBIDDEN = "pod updates may not change fields other than"
            + " `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
            + "`spec.tolerations` (only additions to existing tolerations),"
            + "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    /** ValidatePodResize's words for a resources change of an init container that is not a sidecar. */
    static final String NON_SIDECAR_INIT_IMMUTABLE = "resources for non-sidecar init containers are immutable";

    private ResizeRules() {
    }

    static void removals(Pod old, Pod updated, FieldPath spec, List<FieldError> errs) {
        for (int i = 0; i < old.initContainers().size(); i++) {
            removals(old.initContainers().get(i).resources(), updated.initContainers().get(i).resources(),
                    spec.child("initContainers").index(i).child("resources"), errs);
        }
        for (int i = 0; i < old.containers().size(); i++) {
            removals(old.containers().get(i).resources(), updated.containers().get(i).resources(),
                    spec.child("containers").index(i).child("resources"), errs);
        }
    }

    private static void removals(ResourceRequirements old, ResourceRequirements updated, FieldPath path,
            List<FieldError> errs) {
        if (!updated.requests().keySet().containsAll(old.requests().keySet())) {
            errs.add(FieldError.forbidden(path.child("requests"), "resource requests cannot be removed"));
        }
        if (!updated.limits().keySet().containsAll(old.limits().keySet())) {
            errs.add(FieldError.forbidden(path.child("limits"), "resource limits cannot be removed"));
        }
    }

    static void onlyCpuMemory(Pod old, Pod updated, ResizeSource source, FieldPath spec, List<FieldError> errs) {
        boolean otherChange = false;
        for (int i = 0; i < old.initContainers().size(); i++) {
            Container before = old.initContainers().get(i);
            Container after = updated.initContainers().get(i);
            if (!before.isSidecar() && !after.resources().equals(before.resources())) {
                // the kubelet resizes sidecars only: an init container that runs to completion keeps its resources
                errs.add(FieldError.forbidden(spec.child("initContainers").index(i).child("resources"),
                        NON_SIDECAR_INIT_IMMUTABLE));
                continue;
            }
            if (!sameButCpuMemory(after.resources(), before.resources())) {
                errs.add(FieldError.forbidden(spec.child("initContainers").index(i),
                        "only cpu and memory resources for init or sidecar containers are mutable"));
            } else if (!sameButMutable(after, before, source)) {
                otherChange = true;
            }
        }
        boolean resourceChange = false;
        for (int i = 0; i < old.containers().size(); i++) {
            Container before = old.containers().get(i);
            Container after = updated.containers().get(i);
            if (!sameButCpuMemory(after.resources(), before.resources())) {
                resourceChange = true;
            } else if (!sameButMutable(after, before, source)) {
                otherChange = true;
            }
        }
        // spec.resources (KEP-5419): its cpu and memory may change, like a container's
        resourceChange |= !sameButCpuMemory(updated.podResources(), old.podResources());
        otherChange |= old.priority() != updated.priority();
        otherChange |= !old.restartPolicy().equals(updated.restartPolicy());
        if (source == ResizeSource.RESIZE_SUBRESOURCE && (resourceChange || otherChange)) {
            errs.add(FieldError.forbidden(spec, "only cpu and memory resources are mutable"));
        } else if (source == ResizeSource.POD_UPDATE && (resourceChange || otherChange)) {
            errs.add(FieldError.forbidden(spec, resourceChange && !otherChange
                    ? "only cpu and memory resources are mutable" : POD_UPDATE_FORBIDDEN));
        }
    }

    /**
     * The apiserver's test on the updated container with what may legally change put back to the old values (its
     * "munged" copy, {@code dropCpuMemory}), made without the copy: the requests and the limits hold the same
     * resources besides cpu and memory, with equal quantities (cpu and memory take the old values in the copy, so
     * they always match; a request or limit of cpu or memory removed is {@link #removals}' error).
     */
    static boolean sameButCpuMemory(ResourceRequirements updated, ResourceRequirements old) {
        return sameButCpuMemory(updated.requests(), old.requests()) && sameButCpuMemory(updated.limits(), old.limits());
    }

    private static boolean sameButCpuMemory(Map<String, Quantity> updated, Map<String, Quantity> old) {
        int others = 0;
        for (Map.Entry<String, Quantity> e : updated.entrySet()) {
            if (ResourceNames.CPU.equals(e.getKey()) || ResourceNames.MEMORY.equals(e.getKey())) {
                continue;
            }
            others++;
            if (!e.getValue().equals(old.get(e.getKey()))) {
                return false;
            }
        }
        int oldOthers = old.size() - (old.containsKey(ResourceNames.CPU) ? 1 : 0)
                - (old.containsKey(ResourceNames.MEMORY) ? 1 : 0);
        return others == oldOthers;
    }

    /**
     * Given {@link #sameButCpuMemory} resources: the rest of the container is the same, but what the source may change
     * (a pod update: the image; the resize subresource: the resize policy).
     */
    private static boolean sameButMutable(Container updated, Container old, ResizeSource source) {
        return updated.name().equals(old.name())
                && (source == ResizeSource.POD_UPDATE || updated.image().equals(old.image()))
                && updated.command().equals(old.command())
                && (source == ResizeSource.RESIZE_SUBRESOURCE || updated.resizePolicy().equals(old.resizePolicy()))
                && Objects.equals(updated.restartPolicy(), old.restartPolicy())
                && updated.args().equals(old.args());
    }
}
