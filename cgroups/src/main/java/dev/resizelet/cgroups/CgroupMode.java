package dev.resizelet.cgroups;

/**
 * How the host mounts cgroups. {@link #HYBRID} (v1 controllers plus a unified v2 mount that holds no
 * controllers the agent needs) is driven exactly like {@link #V1}.
 */
public enum CgroupMode {
    V1,
    V2,
    HYBRID;

    /** The hierarchy the agent writes to. */
    public CgroupVersion version() {
        return this == V2 ? CgroupVersion.V2 : CgroupVersion.V1;
    }
}
