package dev.resizelet.cgroups;

/** The QoS tier a pod cgroup lives in. Guaranteed pods sit directly under the top cgroup. */
public enum QosTier {
    GUARANTEED(null),
    BURSTABLE("burstable"),
    BESTEFFORT("besteffort");

    private final String dirName;

    QosTier(String dirName) {
        this.dirName = dirName;
    }

    /** The tier's own cgroup name segment, or null for Guaranteed (no tier cgroup). */
    public String dirName() {
        return dirName;
    }
}
