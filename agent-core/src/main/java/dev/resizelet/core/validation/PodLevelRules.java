package dev.resizelet.core.validation;

import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceNames;
import dev.resizelet.core.model.ResourceRequirements;
import java.util.List;
import java.util.Map;

/**
 * The apiserver's rules for {@code spec.resources}, the pod-level resources of KEP-2837, with its field paths and
 * words: {@code validatePodResources} (names, quantities, requests ≤ limits) and
 * {@code validatePodResourceConsistency}:
 * <ul>
 *   <li>a pod-level request is at least the containers' aggregate request (the kubelet's formula: app containers and
 *       sidecars summed, or the init-container peak if larger):
 *       {@code spec.resources.requests[cpu]: Invalid value: "1": must be greater than or equal to aggregate container
 *       requests of 1500m};</li>
 *   <li>no app container's limit exceeds the pod-level one (the path is built from {@code spec.resources}, as
 *       upstream builds it): {@code spec.resources.containers[0][cpu].limits: Invalid value: "2": must be less than or
 *       equal to pod limits of 1}.</li>
 * </ul>
 * And on a resize (KEP-5419), as for containers: pod-level requests and limits may change but not be removed.
 */
final class PodLevelRules {

    private PodLevelRules() {
    }

    static void validate(Pod pod, FieldPath spec, List<FieldError> errs) {
        if (!pod.hasPodLevelResources()) {
            return;
        }
        FieldPath path = spec.child("resources");
        ResourceRequirements r = pod.podResources();
        ResourceRules.validatePodLevel(r, path, errs);
        for (Map.Entry<String, Quantity> e : r.requests().entrySet()) {
            String resource = e.getKey();
            if (!ResourceNames.POD_LEVEL.contains(resource)) {
                continue;
            }
            boolean cpu = ResourceNames.CPU.equals(resource);
            long aggregate = pod.aggregateContainerRequest(c -> amount(c.resources().request(resource), cpu));
            long podRequest = amount(e.getValue(), cpu);
            if (aggregate > podRequest) {
                Quantity sum = cpu ? Quantity.ofMillis(aggregate) : Quantity.ofBytes(aggregate);
                errs.add(FieldError.invalid(path.child("requests").key(resource), e.getValue().toString(),
                        "must be greater than or equal to aggregate container requests of " + sum));
            }
        }
        for (int i = 0; i < pod.containers().size(); i++) {
            Container c = pod.containers().get(i);
            for (Map.Entry<String, Quantity> e : c.resources().limits().entrySet()) {
                Quantity podLimit = r.limit(e.getKey());
                if (podLimit != null && e.getValue().compareTo(podLimit) > 0) {
                    errs.add(FieldError.invalid(path.child("containers").index(i).key(e.getKey()).child("limits"),
                            e.getValue().toString(), "must be less than or equal to pod limits of " + podLimit));
                }
            }
        }
    }

    /** ValidatePodResize's removal rule applied to {@code spec.resources}. */
    static void removals(Pod old, Pod updated, FieldPath spec, List<FieldError> errs) {
        FieldPath path = spec.child("resources");
        ResourceRequirements before = old.podResources();
        ResourceRequirements after = updated.podResources();
        if (!after.requests().keySet().containsAll(before.requests().keySet())) {
            errs.add(FieldError.forbidden(path.child("requests"), "resource requests cannot be removed"));
        }
        if (!after.limits().keySet().containsAll(before.limits().keySet())) {
            errs.add(FieldError.forbidden(path.child("limits"), "resource limits cannot be removed"));
        }
    }

    private static long amount(Quantity q, boolean cpu) {
        if (q == null) {
            return 0;
        }
        return cpu ? q.milliValue() : q.value();
    }
}
