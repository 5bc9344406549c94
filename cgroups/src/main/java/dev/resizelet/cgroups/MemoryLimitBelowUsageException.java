package dev.resizelet.cgroups;

import java.nio.file.Path;

/**
 * The kernel refused a memory limit because the cgroup uses more than it (EBUSY on cgroup v1's
 * {@code memory.limit_in_bytes}); the old limit stays in place.
 */
public final class MemoryLimitBelowUsageException extends CgroupWriteException {
    private static final long serialVersionUID = 1L;

    public MemoryLimitBelowUsageException(Path file, String value, Throwable cause) {
        super(file, value, "memory limit (" + value + ") below current usage: the kernel refused the write to "
                + file + " (" + reason(cause) + ")", cause);
    }

    static boolean isBusy(Throwable cause) {
        String reason = reason(cause);
        return reason != null && reason.contains("Device or resource busy");
    }
}
