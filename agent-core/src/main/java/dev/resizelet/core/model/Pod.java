package dev.resizelet.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The parts of a pod the agent works with. {@code generation} is {@code metadata.generation} (it
 * grows on every spec change); {@code priority} is {@code spec.priority}. Names are checked for
 * safety here and for the apiserver's rules by {@code PodValidator}. {@code labels} are
 * {@code metadata.labels}, kept and returned for label selectors; they play no part in admission.
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
        Map<String, String> labels) {

    /** Annotation the kubelet puts on mirror pods of static pods. */
    public static final String MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
    /** Annotation naming where a pod came from; anything but "api" is a static pod. */
    public static final String SOURCE_ANNOTATION = "kubernetes.io/config.source";

    public Pod {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(uid, "uid");
        annotations = Map.copyOf(annotations == null ? Map.of() : annotations);
        initContainers = List.copyOf(initContainers == null ? List.of() : initContainers);
        containers = List.copyOf(Objects.requireNonNull(containers, "containers"));
        labels = Map.copyOf(labels == null ? Map.of() : labels);
    }

    /** A pod without labels (the shape before labels were kept). */
    public Pod(String namespace, String name, PodUid uid, long generation, int priority,
               Map<String, String> annotations, List<Container> initContainers, List<Container> containers) {
        this(namespace, name, uid, generation, priority, annotations, initContainers, containers, Map.of());
    }

    /** This pod with {@code metadata.labels} replaced. */
    public Pod withLabels(Map<String, String> newLabels) {
        return new Pod(namespace, name, uid, generation, priority, annotations, initContainers, containers, newLabels);
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
     * The pod's effective requests like the kubelet's {@code PodRequests}: the sum of app containers
     * and sidecars, or, if larger, the peak while an init container runs beside the sidecars started
     * before it.
     */
    public ResourceVector requests() {
        ResourceVector sum = ResourceVector.ZERO;
        for (Container c : containers) {
            sum = sum.plus(c.resources().requestVector());
        }
        ResourceVector sidecars = ResourceVector.ZERO;
        ResourceVector initPeak = ResourceVector.ZERO;
        for (Container c : initContainers) {
            ResourceVector r = c.resources().requestVector();
            if (c.isSidecar()) {
                sum = sum.plus(r);
                sidecars = sidecars.plus(r);
                initPeak = initPeak.max(sidecars);
            } else {
                initPeak = initPeak.max(r.plus(sidecars));
            }
        }
        return sum.max(initPeak);
    }

    /**
     * The pod's effective request of one resource counted in whole units (an extended resource such as
     * {@code example.com/dongle}), with the same formula as {@link #requests()}: the sum over app containers and
     * sidecars, or, if larger, the peak while an init container runs beside the sidecars started before it.
     */
    public long request(String resource) {
        long sum = 0;
        for (Container c : containers) {
            sum += units(c, resource);
        }
        long sidecars = 0;
        long initPeak = 0;
        for (Container c : initContainers) {
            long r = units(c, resource);
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

    private static long units(Container c, String resource) {
        Quantity q = c.resources().request(resource);
        return q == null ? 0 : q.value();
    }

    /** Resources of the resizable containers by name, the shape allocation is stored in. */
    public PodResources resources() {
        // sorted already: PodResources copies a sorted map in linear time, without hashing or comparing again
        java.util.TreeMap<String, ResourceRequirements> byName = new java.util.TreeMap<>();
        for (Container c : resizableContainers()) {
            byName.put(c.name(), c.resources());
        }
        return new PodResources(uid, generation, byName);
    }

    /**
     * True when {@code other}'s resizable containers have the same resources as this pod's, by name: what
     * {@code resources().sameResources(other.resources())} says, without building either map when the two pods list
     * their containers alike (the common case: a resize changes values, not containers).
     */
    public boolean sameResources(Pod other) {
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

    /** This pod with the resources of its resizable containers replaced by {@code resources}'. */
    public Pod withResources(PodResources resources) {
        List<Container> apps = containers.stream().map(c -> apply(c, resources)).toList();
        List<Container> inits = initContainers.stream().map(c -> c.isSidecar() ? apply(c, resources) : c).toList();
        return new Pod(namespace, name, uid, generation, priority, annotations, inits, apps, labels);
    }

    public Pod withGeneration(long newGeneration) {
        return new Pod(namespace, name, uid, newGeneration, priority, annotations, initContainers, containers, labels);
    }

    private static Container apply(Container c, PodResources resources) {
        ResourceRequirements r = resources.containers().get(c.name());
        return r == null ? c : c.withResources(r);
    }
}
