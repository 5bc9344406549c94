package dev.resizelet.cgroups;

import java.nio.file.Path;

/** Writing {@code value} to {@code file} failed. */
public class CgroupWriteException extends CgroupException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final String value;

    public CgroupWriteException(Path file, String value, Throwable cause) {
        this(file, value, "write of \"" + value + "\" to " + file + " failed: " + reason(cause), cause);
    }

    protected CgroupWriteException(Path file, String value, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
        this.value = value;
    }

    public Path file() {
        return file;
    }

    public String value() {
        return value;
    }

    static String reason(Throwable cause) {
        if (cause instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return String.valueOf(cause.getMessage());
    }
}
