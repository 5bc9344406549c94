package dev.resizelet.cgroups;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * Where the agent's cgroups live.
 *
 * @param root the cgroup mount root ({@code /sys/fs/cgroup}, or a temp dir in tests and simulation)
 * @param topName the top cgroup of all pods ({@code kubepods}); tests use a unique name
 * @param version v1 (one tree per controller) or v2 (one unified tree)
 * @param driver cgroupfs or systemd naming
 */
public record CgroupConfig(Path root, String topName, CgroupVersion version, CgroupDriver driver) {
    public CgroupConfig {
        requireNonNull(root, "root");
        requireNonNull(version, "version");
        requireNonNull(driver, "driver");
        CgroupName.checkSegment(requireNonNull(topName, "topName"));
        root = root.toAbsolutePath().normalize();
    }
}
