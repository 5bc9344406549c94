package dev.resizelet.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * The parts of a pod the agent works with. {@code generation} is {@code metadata.generation} (it
 * grows on every spec change); {@code priority} is {@code spec.priority}. Names are checked for
 * safety here and for the apiserver's rules by {@code PodValidator}. {@code labels} are
 * {@code metadata.labels}, kept and returned for label selectors; they play no part in admission.
 * {@code restartPolicy} is {@code spec.restartPolicy} ({@code Always}, {@code OnFailure} or {@code Never};
 * {@code Always} when not given): what happens to a container that exits, init containers included.
 * {@code terminationGracePeriodSeconds} is {@code spec.terminationGracePeriodSeconds} (null: not given; the API
 * defaults it to {@value #DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS} as the apiserver does).
 * {@code podResources} is {@code spec.resources}, the pod-level requests and limits of KEP-2837 (cpu and memory;
 * {@link ResourceRequirements#NONE} when not given): where set, they are the pod's requests and limits for admission,
 * its QoS class and its pod cgroup, and they are resized in place like the containers' (KEP-5419).
 */
public record Pod(
        String namespace,
        String name,
        PodUid uid,
        long generation,
        int priority,
        Map<String, String> annotations,
        List<Container> initContainers,
        List<Container> containers,
        Map<String, String> labels,
        String restartPolicy,
        Long terminationGracePeriodSeconds,
        ResourceRequirements podResources) {

    /** The apiserver's default of {@code spec.terminationGracePeriodSeconds}. */
    public static final long DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;

    /** Annotation the kubelet puts on mirror pods of static pods. */
    public static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
    /** Annotation naming where a pod came from; anything but "api" is a static pod. */
    public static final String SOURCE_ANNOTATION = "kubernetes.io/config.source";
    public static final String RESTART_ALWAYS = "Always";
    public static final String RESTART_ON_FAILURE = "OnFailure";
    public static final String RESTART_NEVER = "Never";

    public Pod {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(uid, "uid");
        annotations = Map.copyOf(annotations == null ? Map.of() : annotations);
        initContainers = List.copyOf(initContainers == null ? List.of() : initContainers);
        containers = List.copyOf(Objects.requireNonNull(containers, "containers"));
        labels = Map.copyOf(labels == null ? Map.of() : labels);
        restartPolicy = restartPolicy == null || restartPolicy.isEmpty() ? RESTART_ALWAYS : restartPolicy;
        podResources = podResources == null ? ResourceRequirements.NONE : podResources;
    }

    /** A pod without pod-level resources ({@code spec.resources} not given). */
    public Pod(String namespace, String name, PodUid uid, long generation, int priority,
               Map<String, String> annotations, List<Container> initContainers, List<Container> containers,
               Map<String, String> labels, String restartPolicy, Long terminationGracePeriodSeconds) {
        this(namespace, name, uid, generation, priority, annotations, initContainers, containers, labels, restartPolicy,
                terminationGracePeriodSeconds, ResourceRequirements.NONE);
    }

    /** A pod with a {@code spec.restartPolicy} and no termination grace period of its own (the default applies). */
    public Pod(String namespace, String name, PodUid uid, long generation, int priority,
               Map<String, String> annotations, List<Container> initContainers, List<Container> containers,
               Map<String, String> labels, String restartPolicy) {
        this(namespace, name, uid, generation, priority, annotations, initContainers, containers, labels, restartPolicy,
                null);
    }

    /** A pod with {@code spec.restartPolicy: Always} and a termination grace period (null: the default). */
    public Pod(String namespace, String name, PodUid uid, long generation, int priority,
               Map<String, String> annotations, List<Container> initContainers, List<Container> containers,
               Map<String, String> labels, Long terminationGracePeriodSeconds) {
        this(namespace, name, uid, generation, priority, annotations, initContainers, containers, labels, RESTART_ALWAYS,
                terminationGracePeriodSeconds);
    }

    /** A pod with {@code spec.restartPolicy: Always} (the API default) and the default grace period. */
    public Pod(String namespace, String name, PodUid uid, long generation, int priority,
               Map<String, String> annotations, List<Container> initContainers, List<Container> containers,
               Map<String, String> labels) {
        this(namespace, name, uid, generation, priority, annotations, initContainers, containers, labels, RESTART_ALWAYS,
                null);
    }

    /** A pod without labels (the shape before labels were kept). */
    public Pod(String namespace, String name, PodUid uid, long generation, int priority,
               Map<String, String> annotations, List<Container> initContainers, List<Container> containers) {
        this(namespace, name, uid, generation, priority, annotations, initContainers, containers, Map.of());
    }

    /** This pod with {@code metadata.labels} replaced. */
    public Pod withLabels(Map<String, String> newLabels) {
        return new Pod(namespace, name, uid, generation, priority, annotations, initContainers, containers, newLabels,
                restartPolicy, terminationGracePeriodSeconds, podResources);
    }

    /**
     * This pod with the {@code metadata.labels} and {@code metadata.annotations} of {@code other}: equal to
     * {@code other} exactly when only metadata tells them apart (the apiserver bumps the generation on spec changes only).
     */
    public Pod withMetadataOf(Pod other) {
        return new Pod(namespace, name, uid, generation, priority, other.annotations, initContainers, containers, other.labels,
                restartPolicy, terminationGracePeriodSeconds);
    }

    /** This pod with {@code spec.restartPolicy} replaced. */
    public Pod withRestartPolicy(String newRestartPolicy) {
        return new Pod(namespace, name, uid, generation, priority, annotations, initContainers, containers, labels,
                newRestartPolicy, terminationGracePeriodSeconds, podResources);
    }

    /** This pod with {@code spec.terminationGracePeriodSeconds} replaced (null: the default). */
    public Pod withTerminationGracePeriodSeconds(Long seconds) {
        return new Pod(namespace, name, uid, generation, priority, annotations, initContainers, containers, labels,
                restartPolicy, seconds, podResources);
    }

    /**
     * The grace period a deletion without its own gets, as the apiserver's pod strategy computes it: the spec's value
     * (default {@value #DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS}), and 1 for a negative one.
     */
    public long effectiveTerminationGracePeriodSeconds() {
        long period = terminationGracePeriodSeconds == null ? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
                : terminationGracePeriodSeconds;
        return period < 0 ? 1 : period;
    }

    /** A pod with app containers only, no annotations, priority 0, generation 1. */
    public static Pod of(String namespace, String name, PodUid uid, List<Container> containers) {
        return new Pod(namespace, name, uid, 1, 0, Map.of(), List.of(), containers);
    }

    /** {@code namespace/name}, for logs and messages. */
    public String key() {
        return namespace + "/" + name;
    }

    /** App containers followed by init containers (the order QoS computation uses). */
    public List<Container> allContainers() {
        List<Container> all = new ArrayList<>(containers);
        all.addAll(initContainers);
        return all;
    }

    /** The containers whose resources can be resized in place: app containers and sidecars. */
    public List<Container> resizableContainers() {
        List<Container> all = new ArrayList<>(containers.size() + initContainers.size());
        all.addAll(containers);
        for (Container c : initContainers) {
            if (c.isSidecar()) {
                all.add(c);
            }
        }
        return all;
    }

    public QosClass qosClass() {
        return QosClass.of(this);
    }

    /** True for a static pod or its mirror: the kubelet never resizes those in place. */
    public boolean isStatic() {
        String source = annotations.get(SOURCE_ANNOTATION);
        return annotations.containsKey(MIRROR_ANNOTATION) || (source != null && !source.equals("api"));
    }

    /**
     * The pod's effective requests like the kubelet's {@code PodRequests}: a pod-level request where
     * {@code spec.resources} sets one, else the sum of app containers and sidecars, or, if larger, the peak while an
     * init container runs beside the sidecars started before it.
     */
    public ResourceVector requests() {
        return new ResourceVector(effective(ResourceNames.CPU, c -> c.resources().cpuRequestMillis()),
                effective(ResourceNames.MEMORY, c -> c.resources().memoryRequestBytes()));
    }

    /**
     * The pod's effective request of one resource counted in whole units (an extended resource such as
     * {@code example.com/dongle}), with the same formula as {@link #requests()}.
     */
    public long request(String resource) {
        return effective(resource, c -> {
            Quantity q = c.resources().request(resource);
            return q == null ? 0 : q.value();
        });
    }

    /** True when {@code spec.resources} sets a request or a limit (the kubelet's {@code IsPodLevelResourcesSet}). */
    public boolean hasPodLevelResources() {
        return !podResources.requests().isEmpty() || !podResources.limits().isEmpty();
    }

    /**
     * The kubelet's {@code PodRequests} for one resource (every part of it works per resource): the pod-level request
     * when {@code spec.resources} sets one for {@code resource} (only cpu and memory can be set there), else
     * {@link #aggregateContainerRequest}.
     */
    private long effective(String resource, ToLongFunction<Container> request) {
        Quantity podLevel = podResources.request(resource);
        if (podLevel != null) {
            return ResourceNames.CPU.equals(resource) ? podLevel.milliValue() : podLevel.value();
        }
        return aggregateContainerRequest(request);
    }

    /**
     * The kubelet's {@code AggregateContainerRequests} for one resource: the sum over app containers and sidecars,
     * or, if larger, the peak while an init container runs beside the sidecars started before it.
     */
    public long aggregateContainerRequest(ToLongFunction<Container> request) {
        long sum = 0;
        for (Container c : containers) {
            sum += request.applyAsLong(c);
        }
        long sidecars = 0;
        long initPeak = 0;
        for (Container c : initContainers) {
            long r = request.applyAsLong(c);
            if (c.isSidecar()) {
                sum += r;
                sidecars += r;
                initPeak = Math.max(initPeak, sidecars);
            } else {
                initPeak = Math.max(initPeak, r + sidecars);
            }
        }
        return Math.max(sum, initPeak);
    }

    /** Resources of the resizable containers by name and the pod-level ones, the shape allocation is stored in. */
    public PodResources resources() {
        // sorted already: PodResources copies a sorted map in linear time, without hashing or comparing again
        TreeMap<String, ResourceRequirements> byName = new TreeMap<>();
        for (Container c : resizableContainers()) {
            byName.put(c.name(), c.resources());
        }
        return new PodResources(uid, generation, byName, podResources);
    }

    /**
     * True when {@code other}'s resizable containers have the same resources as this pod's, by name: what
     * {@code resources().sameResources(other.resources())} says, without building either map when the two pods list
     * their containers alike (the common case: a resize changes values, not containers).
     */
    public boolean sameResources(Pod other) {
        if (!podResources.equals(other.podResources)) {
            return false;
        }
        if (containers.size() != other.containers.size() || initContainers.size() != other.initContainers.size()) {
            return resources().sameResources(other.resources());
        }
        for (int i = 0; i < containers.size(); i++) {
            Container a = containers.get(i);
            Container b = other.containers.get(i);
            if (!a.name().equals(b.name())) {
                return resources().sameResources(other.resources());
            }
            if (!a.resources().equals(b.resources())) {
                return false;
            }
        }
        for (int i = 0; i < initContainers.size(); i++) {
            Container a = initContainers.get(i);
            Container b = other.initContainers.get(i);
            if (!a.name().equals(b.name()) || a.isSidecar() != b.isSidecar()) {
                return resources().sameResources(other.resources());
            }
            if (a.isSidecar() && !a.resources().equals(b.resources())) {
                return false;
            }
        }
        return true;
    }

    /** This pod with the resources of its resizable containers and its pod-level ones replaced by {@code resources}'. */
    public Pod withResources(PodResources resources) {
        List<Container> apps = applied(containers, resources, false);
        List<Container> inits = applied(initContainers, resources, true);
        if (apps == containers && inits == initContainers && resources.pod() == podResources) {
            return this; // the very same resources: nothing to copy
        }
        return new Pod(namespace, name, uid, generation, priority, annotations, inits, apps, labels, restartPolicy,
                terminationGracePeriodSeconds, resources.pod());
    }

    /**
     * The containers with their resources from {@code resources} (of init containers, the sidecars'); the same list
     * when none changes.
     */
    private static List<Container> applied(List<Container> list, PodResources resources, boolean sidecarsOnly) {
        Container[] out = null;
        for (int i = 0; i < list.size(); i++) {
            Container c = list.get(i);
            Container a = sidecarsOnly && !c.isSidecar() ? c : apply(c, resources);
            if (a != c && out == null) {
                out = list.toArray(new Container[0]);
            }
            if (out != null) {
                out[i] = a;
            }
        }
        return out == null ? list : List.of(out);
    }

    /** This pod with {@code spec.resources} replaced ({@link ResourceRequirements#NONE}: not given). */
    public Pod withPodResources(ResourceRequirements newPodResources) {
        return new Pod(namespace, name, uid, generation, priority, annotations, initContainers, containers, labels,
                restartPolicy, terminationGracePeriodSeconds, newPodResources);
    }

    public Pod withGeneration(long newGeneration) {
        return new Pod(namespace, name, uid, newGeneration, priority, annotations, initContainers, containers, labels,
                restartPolicy, terminationGracePeriodSeconds, podResources);
    }

    private static Container apply(Container c, PodResources resources) {
        ResourceRequirements r = resources.containers().get(c.name());
        return r == null || r == c.resources() ? c : c.withResources(r);
    }
}
