package dev.resizelet.cgroups;

/** A cgroup operation failed; the message names the file or directory and the value. */
public class CgroupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CgroupException(String message, Throwable cause) {
        super(message, cause);
    }
}
