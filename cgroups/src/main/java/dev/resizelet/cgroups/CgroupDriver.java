package dev.resizelet.cgroups;

/** How cgroup names are spelled: plain directories (cgroupfs) or systemd slices. */
public enum CgroupDriver {
    CGROUPFS,
    SYSTEMD
}
