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
 * @param weightScale how v2 {@code cpu.weight} is derived from shares (kubelet pod cgroups: linear)
 */
public record CgroupConfig(Path root, String topName, CgroupVersion version, CgroupDriver driver,
        CpuWeightScale weightScale) {
    public CgroupConfig {
        requireNonNull(root, "root");
        requireNonNull(version, "version");
        requireNonNull(driver, "driver");
        requireNonNull(weightScale, "weightScale");
        CgroupName.checkSegment(requireNonNull(topName, "topName"));
        root = root.toAbsolutePath().normalize();
    }

    /** Linear v2 weights, as the kubelet writes pod cgroups. */
    public CgroupConfig(Path root, String topName, CgroupVersion version, CgroupDriver driver) {
        this(root, topName, version, driver, CpuWeightScale.LINEAR);
    }

    /** The configuration for a detected host or tree: its root and its version (hybrid is v1). */
    public static CgroupConfig of(DetectedCgroupMode detected, String topName, CgroupDriver driver) {
        return new CgroupConfig(detected.root(), topName, detected.version(), driver);
    }

    public CgroupConfig withWeightScale(CpuWeightScale scale) {
        return new CgroupConfig(root, topName, version, driver, scale);
    }
}
