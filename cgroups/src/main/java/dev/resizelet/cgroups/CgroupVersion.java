package dev.resizelet.cgroups;

/** The cgroup hierarchy in use. Hybrid hosts (v1 controllers plus an empty unified mount) are {@link #V1}. */
public enum CgroupVersion {
    V1,
    V2
}
