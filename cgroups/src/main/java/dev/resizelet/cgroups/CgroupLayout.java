package dev.resizelet.cgroups;

import static java.util.Objects.requireNonNull;

/**
 * Names of the pod cgroups, as kubelet makes them:
 * cgroupfs {@code kubepods/burstable/pod<uid>}; systemd
 * {@code kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid with - as _>.slice}; containers
 * {@code <containerId>} (cgroupfs) or {@code cri-containerd-<containerId>.scope} (systemd, as containerd names them).
 */
public final class CgroupLayout {
    private final String top;
    private final CgroupDriver driver;

    public CgroupLayout(CgroupConfig config) {
        this(config.topName(), config.driver());
    }

    public CgroupLayout(String topName, CgroupDriver driver) {
        CgroupName.checkSegment(requireNonNull(topName, "topName"));
        this.top = topName;
        this.driver = requireNonNull(driver, "driver");
    }

    public CgroupName top() {
        return driver == CgroupDriver.SYSTEMD ? CgroupName.of(top + ".slice") : CgroupName.of(top);
    }

    public CgroupName tier(QosTier tier) {
        if (tier.dirName() == null) {
            return top();
        }
        return driver == CgroupDriver.SYSTEMD
                ? top().child(top + "-" + tier.dirName() + ".slice")
                : top().child(tier.dirName());
    }

    /** The pod cgroup; the uid is checked to be a single safe segment before any path is made from it. */
    public CgroupName pod(QosTier tier, String podUid) {
        requireNonNull(podUid, "podUid");
        CgroupName.checkSegment(podUid);
        if (driver == CgroupDriver.CGROUPFS) {
            return tier(tier).child("pod" + podUid);
        }
        String prefix = tier.dirName() == null ? top : top + "-" + tier.dirName();
        return tier(tier).child(prefix + "-pod" + podUid.replace('-', '_') + ".slice");
    }

    /**
     * The pod uid a child cgroup of {@link #tier(QosTier)} names, if it is named as {@link #pod} names pod cgroups
     * ({@code pod<uid>}, or the systemd slice); empty for anything else (another tier, a stranger's cgroup).
     */
    public java.util.Optional<String> podUid(QosTier tier, String childName) {
        requireNonNull(childName, "childName");
        String uid;
        if (driver == CgroupDriver.CGROUPFS) {
            uid = childName.startsWith("pod") ? childName.substring(3) : "";
        } else {
            String prefix = (tier.dirName() == null ? top : top + "-" + tier.dirName()) + "-pod";
            uid = childName.startsWith(prefix) && childName.endsWith(".slice")
                    ? childName.substring(prefix.length(), childName.length() - ".slice".length()).replace('_', '-')
                    : "";
        }
        if (uid.isEmpty()) {
            return java.util.Optional.empty();
        }
        try {
            return pod(tier, uid).equals(tier(tier).child(childName)) ? java.util.Optional.of(uid) : java.util.Optional.empty();
        } catch (RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * The container cgroup under its pod: the container id (cgroupfs), or containerd's systemd scope
     * {@code cri-containerd-<id>.scope}. The id is checked to be a single safe segment.
     */
    public CgroupName container(CgroupName pod, String containerId) {
        requireNonNull(containerId, "containerId");
        CgroupName.checkSegment(containerId);
        return driver == CgroupDriver.SYSTEMD
                ? pod.child("cri-containerd-" + containerId + ".scope")
                : pod.child(containerId);
    }
}
