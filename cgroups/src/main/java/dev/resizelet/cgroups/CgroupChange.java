package dev.resizelet.cgroups;

import static java.util.Objects.requireNonNull;

/**
 * One cgroup's values now and the values wanted, for ordering a resize. A null field in {@code target}
 * means "leave unchanged"; a null field in {@code current} means the kernel default (unlimited quota and
 * memory, 1024 shares), which is what a cgroup holds before anyone wrote to it.
 */
public record CgroupChange(CgroupName name, CgroupResources current, CgroupResources target) {
    public CgroupChange {
        requireNonNull(name, "name");
        requireNonNull(current, "current");
        requireNonNull(target, "target");
    }
}
