package dev.resizelet.cgroups;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/** One planned write of {@code value} into the cgroup control file {@code file}. A plan's order is its safety rule. */
public record CgroupWrite(Path file, String value) {
    public CgroupWrite {
        requireNonNull(file, "file");
        requireNonNull(value, "value");
    }

    @Override
    public String toString() {
        return file + "=" + value;
    }
}
