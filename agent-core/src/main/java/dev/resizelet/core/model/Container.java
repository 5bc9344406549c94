package dev.resizelet.core.model;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A container of a pod spec. {@code restartPolicy} is only meaningful for init containers:
 * {@code "Always"} makes it a sidecar (runs beside the app containers, counts in their sum), null
 * otherwise. {@code command} and {@code args} are the pod spec's (the simulated runtime reads them to model
 * when a container exits).
 *
 * <p>The name becomes a CRI name and part of cgroup and checkpoint bookkeeping, so the constructor
 * rejects anything that could leave a path segment ({@code /}, NUL, "..", empty). The full RFC 1123
 * label rule with the apiserver's words is checked by {@code PodValidator}.
 */
public record Container(
        String name,
        String image,
        List<String> command,
        ResourceRequirements resources,
        Map<String, ResizeRestartPolicy> resizePolicy,
        String restartPolicy,
        List<String> args) {

    public static final String RESTART_ALWAYS = "Always";

    public Container {
        Objects.requireNonNull(name, "container name");
        if (name.isEmpty() || name.length() > 253 || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0
                || name.contains("..") || name.equals(".")) {
            throw new IllegalArgumentException("name: Invalid value: \"" + SafeNames.printable(name) + "\": "
                    + dev.resizelet.core.validation.NameRules.LABEL_MSG);
        }
        image = image == null ? "" : image;
        command = List.copyOf(command == null ? List.of() : command);
        args = List.copyOf(args == null ? List.of() : args);
        resources = resources == null ? ResourceRequirements.NONE : resources;
        TreeMap<String, ResizeRestartPolicy> policies = new TreeMap<>(resizePolicy == null ? Map.of() : resizePolicy);
        resizePolicy = Collections.unmodifiableMap(policies);
    }

    /** A container without {@code args}. */
    public Container(String name, String image, List<String> command, ResourceRequirements resources,
            Map<String, ResizeRestartPolicy> resizePolicy, String restartPolicy) {
        this(name, image, command, resources, resizePolicy, restartPolicy, List.of());
    }

    /** An app container with no resize policy and no command. */
    public static Container of(String name, String image, ResourceRequirements resources) {
        return new Container(name, image, List.of(), resources, Map.of(), null);
    }

    /** True for an init container with {@code restartPolicy: Always}. */
    public boolean isSidecar() {
        return RESTART_ALWAYS.equals(restartPolicy);
    }

    /** The policy for a resource; {@code NotRequired} when none is given (the API default). */
    public ResizeRestartPolicy resizePolicyFor(String resource) {
        return resizePolicy.getOrDefault(resource, ResizeRestartPolicy.NOT_REQUIRED);
    }

    public Container withResources(ResourceRequirements newResources) {
        return new Container(name, image, command, newResources, resizePolicy, restartPolicy, args);
    }
}
