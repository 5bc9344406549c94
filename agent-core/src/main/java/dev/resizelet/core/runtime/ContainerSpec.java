package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What CreateContainer needs of a container besides its resources.
 *
 * @param sidecar true for an init container with {@code restartPolicy: Always}
 */
public record ContainerSpec(String name, String image, List<String> command, List<String> args, boolean sidecar) {
    public ContainerSpec {
        requireNonNull(name, "name");
        requireNonNull(image, "image");
        command = List.copyOf(command);
        args = List.copyOf(args == null ? List.of() : args);
    }

    /** An app container without args. */
    public ContainerSpec(String name, String image, List<String> command) {
        this(name, image, command, List.of(), false);
    }
}
