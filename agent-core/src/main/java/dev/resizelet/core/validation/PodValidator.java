package dev.resizelet.core.validation;

import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.QosClass;
import dev.resizelet.core.model.ResourceNames;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The apiserver's validation of a new pod and of a resize, with its field paths and words
 * (DESIGN §6). Pure: it only reads its arguments and returns the errors (empty = valid).
 */
public final class PodValidator {

    private PodValidator() {
    }

    /** Validation of a pod being created (ValidatePodCreate, the parts the agent models). */
    public static List<FieldError> validateNew(Pod pod) {
        List<FieldError> errs = new ArrayList<>();
        FieldPath meta = FieldPath.root("metadata");
        if (pod.name().isEmpty()) {
            errs.add(FieldError.required(meta.child("name"), "name or generateName is required"));
        } else {
            NameRules.subdomain(pod.name(), meta.child("name"), errs);
        }
        if (pod.namespace().isEmpty()) {
            errs.add(FieldError.required(meta.child("namespace"), ""));
        } else {
            NameRules.label(pod.namespace(), meta.child("namespace"), errs);
        }
        FieldPath spec = FieldPath.root("spec");
        if (pod.containers().isEmpty()) {
            errs.add(FieldError.required(spec.child("containers"), ""));
        }
        if (!List.of(Pod.RESTART_ALWAYS, Pod.RESTART_ON_FAILURE, Pod.RESTART_NEVER).contains(pod.restartPolicy())) {
            errs.add(FieldError.notSupported(spec.child("restartPolicy"), pod.restartPolicy(),
                    List.of(Pod.RESTART_ALWAYS, Pod.RESTART_ON_FAILURE, Pod.RESTART_NEVER)));
        }
        Set<String> names = new HashSet<>();
        validateContainers(pod.initContainers(), spec.child("initContainers"), true, names, errs);
        validateContainers(pod.containers(), spec.child("containers"), false, names, errs);
        PodLevelRules.validate(pod, spec, errs);
        return List.copyOf(errs);
    }

    private static void validateContainers(List<Container> list, FieldPath path, boolean init, Set<String> names,
            List<FieldError> errs) {
        for (int i = 0; i < list.size(); i++) {
            Container c = list.get(i);
            FieldPath p = path.index(i);
            NameRules.label(c.name(), p.child("name"), errs);
            if (!names.add(c.name())) {
                errs.add(FieldError.duplicate(p.child("name"), c.name()));
            }
            if (c.image().isBlank()) {
                errs.add(FieldError.required(p.child("image"), ""));
            }
            ResourceRules.validate(c.resources(), p.child("resources"), errs);
            for (String resource : c.resizePolicy().keySet()) {
                if (!ResourceNames.isResizable(resource)) {
                    errs.add(FieldError.notSupported(p.child("resizePolicy"), resource, List.of("cpu", "memory")));
                }
            }
            if (init && c.restartPolicy() != null && !c.isSidecar()) {
                errs.add(FieldError.notSupported(p.child("restartPolicy"), c.restartPolicy(), List.of("Always")));
            }
            if (!init && c.restartPolicy() != null) {
                errs.add(FieldError.forbidden(p.child("restartPolicy"), "may not be set for non-init containers"));
            }
        }
    }

    /**
     * Validation of a resize from {@code old} to {@code updated} (ValidatePodResize; for
     * {@link ResizeSource#POD_UPDATE} the 1.27 pod-update rule for everything but resources).
     */
    public static List<FieldError> validateResize(Pod old, Pod updated, ResizeSource source) {
        List<FieldError> errs = new ArrayList<>(validateNew(updated));
        FieldPath meta = FieldPath.root("metadata");
        immutable(old.name(), updated.name(), meta.child("name"), errs);
        immutable(old.namespace(), updated.namespace(), meta.child("namespace"), errs);
        immutable(old.uid().value(), updated.uid().value(), meta.child("uid"), errs);
        if (old.isStatic()) {
            return List.of(FieldError.forbidden(FieldPath.root(""), "static pods cannot be resized"));
        }
        FieldPath spec = FieldPath.root("spec");
        QosClass oldQos = old.qosClass();
        if (oldQos != updated.qosClass()) {
            errs.add(FieldError.invalid(spec, oldQos.wireName(), "Pod QOS Class may not change as a result of resizing"));
        }
        List<FieldError> ordering = new ArrayList<>();
        ordering(old.containers(), updated.containers(), spec, "containers", ordering);
        ordering(old.initContainers(), updated.initContainers(), spec, "initContainers", ordering);
        if (!ordering.isEmpty()) {
            errs.addAll(ordering);
            return List.copyOf(errs);
        }
        ResizeRules.removals(old, updated, spec, errs);
        PodLevelRules.removals(old, updated, spec, errs);
        ResizeRules.onlyCpuMemory(old, updated, source, spec, errs);
        return List.copyOf(errs);
    }

    private static void immutable(String oldValue, String newValue, FieldPath path, List<FieldError> errs) {
        if (!oldValue.equals(newValue)) {
            errs.add(FieldError.invalid(path, newValue, "field is immutable"));
        }
    }

    private static void ordering(List<Container> old, List<Container> updated, FieldPath spec, String field,
            List<FieldError> errs) {
        if (old.size() != updated.size()) {
            errs.add(FieldError.forbidden(spec.child(field), field + " may not be added or removed on resize"));
            return;
        }
        for (int i = 0; i < old.size(); i++) {
            if (!old.get(i).name().equals(updated.get(i).name())) {
                errs.add(FieldError.forbidden(spec.child(field).index(i).child("name"),
                        field + " may not be renamed or reordered on resize"));
            }
        }
    }
}
