package dev.resizelet.core.validation;

import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceNames;
import dev.resizelet.core.model.ResourceRequirements;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
            Container munged = munge(after, before, source);
            if (!munged.resources().equals(before.resources())) {
                errs.add(FieldError.forbidden(spec.child("initContainers").index(i),
                        "only cpu and memory resources for init or sidecar containers are mutable"));
            } else if (!munged.equals(before)) {
                otherChange = true;
            }
        }
        boolean resourceChange = false;
        for (int i = 0; i < old.containers().size(); i++) {
            Container before = old.containers().get(i);
            Container munged = munge(updated.containers().get(i), before, source);
            if (!munged.resources().equals(before.resources())) {
                resourceChange = true;
            } else if (!munged.equals(before)) {
                otherChange = true;
            }
        }
        // spec.resources (KEP-5419): its cpu and memory may change, like a container's
        ResourceRequirements podMunged = new ResourceRequirements(
                dropCpuMemory(updated.podResources().requests(), old.podResources().requests()),
                dropCpuMemory(updated.podResources().limits(), old.podResources().limits()));
        resourceChange |= !podMunged.equals(old.podResources());
        otherChange |= old.priority() != updated.priority();
        otherChange |= !old.restartPolicy().equals(updated.restartPolicy());
        if (source == ResizeSource.RESIZE_SUBRESOURCE && (resourceChange || otherChange)) {
            errs.add(FieldError.forbidden(spec, "only cpu and memory resources are mutable"));
        } else if (source == ResizeSource.POD_UPDATE && (resourceChange || otherChange)) {
            errs.add(FieldError.forbidden(spec, resourceChange && !otherChange
                    ? "only cpu and memory resources are mutable" : POD_UPDATE_FORBIDDEN));
        }
    }

    /** The updated container with what may legally change put back to the old values. */
    private static Container munge(Container c, Container old, ResizeSource source) {
        ResourceRequirements r = new ResourceRequirements(
                dropCpuMemory(c.resources().requests(), old.resources().requests()),
                dropCpuMemory(c.resources().limits(), old.resources().limits()));
        String image = source == ResizeSource.POD_UPDATE ? old.image() : c.image();
        var policy = source == ResizeSource.RESIZE_SUBRESOURCE ? old.resizePolicy() : c.resizePolicy();
        return new Container(c.name(), image, c.command(), r, policy, c.restartPolicy(), c.args());
    }

    private static Map<String, Quantity> dropCpuMemory(Map<String, Quantity> list, Map<String, Quantity> old) {
        Map<String, Quantity> munged = new HashMap<>(list);
        for (String name : List.of(ResourceNames.CPU, ResourceNames.MEMORY)) {
            munged.remove(name);
            if (old.containsKey(name)) {
                munged.put(name, old.get(name));
            }
        }
        return munged;
    }
}
