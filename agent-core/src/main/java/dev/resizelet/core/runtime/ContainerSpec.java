package dev.resizelet.core.runtime;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** What CreateContainer needs of a container besides its resources. */
public record ContainerSpec(String name, String image, List<String> command) {
    public ContainerSpec {
        requireNonNull(name, "name");
        requireNonNull(image, "image");
        command = List.copyOf(command);
    }
}
