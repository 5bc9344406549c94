package dev.resizelet.core.store;

/** Base of the store's errors; each subclass maps to one Kubernetes API status. */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** 404 */
    public static final class NotFound extends StoreException {
        private static final long serialVersionUID = 1L;

        public NotFound(ObjectKey key) {
            super("pods \"" + key.name() + "\" not found");
        }
    }

    /** 409 AlreadyExists */
    public static final class AlreadyExists extends StoreException {
        private static final long serialVersionUID = 1L;

        public AlreadyExists(ObjectKey key) {
            super("pods \"" + key.name() + "\" already exists");
        }
    }

    /** 409 Conflict: the caller's resourceVersion is stale. */
    public static final class Conflict extends StoreException {
        private static final long serialVersionUID = 1L;

        public Conflict(ObjectKey key) {
            super("Operation cannot be fulfilled on pods \"" + key.name()
                    + "\": the object has been modified; please apply your changes to the latest version and try again");
        }
    }

    /** 410 Gone: a watch asked for history the store no longer keeps. */
    public static final class Gone extends StoreException {
        private static final long serialVersionUID = 1L;

        public Gone(long requested, long oldest) {
            super("too old resource version: " + requested + " (" + oldest + ")");
        }
    }

    /**
     * The durable log could not be written or synced (a full, failing or read-only disk): the change was not made and
     * not acknowledged; reads go on, and the next write tries the disk again. The API answers 500 InternalError, as the
     * apiserver does when its storage refuses a write.
     */
    public static final class Unavailable extends StoreException {
        private static final long serialVersionUID = 1L;

        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The log on disk is damaged in a way that is not a torn last write. */
    public static final class Corrupt extends StoreException {
        private static final long serialVersionUID = 1L;

        public Corrupt(String message) {
            super(message);
        }
    }
}
