package dev.resizelet.cgroups;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The result of {@link CgroupModeDetector}: the mode, where each v1 controller is mounted, the unified (v2)
 * mount if any, and a sentence saying what the decision rests on (for the startup log).
 */
public record DetectedCgroupMode(CgroupMode mode, Path root, Map<String, Path> v1Controllers,
        Optional<Path> unifiedMount, String evidence) {
    public DetectedCgroupMode {
        requireNonNull(mode, "mode");
        requireNonNull(root, "root");
        v1Controllers = Map.copyOf(requireNonNull(v1Controllers, "v1Controllers"));
        requireNonNull(unifiedMount, "unifiedMount");
        requireNonNull(evidence, "evidence");
    }

    public CgroupVersion version() {
        return mode.version();
    }
}
