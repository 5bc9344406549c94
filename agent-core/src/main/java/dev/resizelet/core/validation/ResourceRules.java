package dev.resizelet.core.validation;

import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceNames;
import dev.resizelet.core.model.ResourceRequirements;
import java.util.List;
import java.util.Map;

/**
 * apiserver's validateResourceRequirements with its messages: for a container
 * ({@code ValidateContainerResourceRequirements}) and for the pod ({@code validatePodResourceRequirements}, whose
 * resource names are those of {@link ResourceNames#POD_LEVEL}).
 */
final class ResourceRules {

    private ResourceRules() {
    }

    static void validate(ResourceRequirements r, FieldPath path, List<FieldError> errs) {
        validate(r, path, false, errs);
    }

    static void validatePodLevel(ResourceRequirements r, FieldPath path, List<FieldError> errs) {
        validate(r, path, true, errs);
    }

    private static void validate(ResourceRequirements r, FieldPath path, boolean podLevel, List<FieldError> errs) {
        FieldPath limPath = path.child("limits");
        FieldPath reqPath = path.child("requests");
        r.limits().forEach((name, q) -> {
            FieldPath p = limPath.key(name);
            resourceName(name, p, podLevel, errs);
            nonNegative(q, p, errs);
        });
        for (Map.Entry<String, Quantity> e : r.requests().entrySet()) {
            String name = e.getKey();
            Quantity q = e.getValue();
            FieldPath p = reqPath.key(name);
            resourceName(name, p, podLevel, errs);
            nonNegative(q, p, errs);
            Quantity limit = r.limits().get(name);
            if (limit == null) {
                continue;
            }
            if (!isOvercommitAllowed(name) && q.compareTo(limit) != 0) {
                errs.add(FieldError.invalid(reqPath, q.toString(), "must be equal to " + name + " limit of " + limit));
            } else if (q.compareTo(limit) > 0) {
                errs.add(FieldError.invalid(reqPath, q.toString(),
                        "must be less than or equal to " + name + " limit of " + limit));
            }
        }
    }

    private static void nonNegative(Quantity q, FieldPath p, List<FieldError> errs) {
        if (q.signum() < 0) {
            errs.add(FieldError.invalid(p, q.toString(), "must be greater than or equal to 0"));
        }
    }

    private static void resourceName(String name, FieldPath p, boolean podLevel, List<FieldError> errs) {
        if (podLevel) {
            // validatePodResourceName; hugepages-<size>, which 1.34+ also take here, are not modelled by this agent
            if (!ResourceNames.POD_LEVEL.contains(name)) {
                errs.add(FieldError.notSupported(p, name, ResourceNames.POD_LEVEL));
            }
            return;
        }
        if (name.contains("/")) {
            return; // extended resource, e.g. example.com/gpu
        }
        boolean standard = name.equals("cpu") || name.equals("memory") || name.equals("ephemeral-storage")
                || name.startsWith("hugepages-");
        if (!standard) {
            errs.add(FieldError.invalid(p, name, "must be a standard resource for containers"));
        }
    }

    /** Native compute resources may be requested below their limit; hugepages and extended may not. */
    private static boolean isOvercommitAllowed(String name) {
        return !name.contains("/") && !name.startsWith("hugepages-");
    }
}
