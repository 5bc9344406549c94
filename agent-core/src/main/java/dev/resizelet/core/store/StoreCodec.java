package dev.resizelet.core.store;

/** Turns the stored spec type into bytes and back, for the durable log. Must be deterministic. */
public interface StoreCodec<T> {
    byte[] encode(T value);

    T decode(byte[] bytes);

    /**
     * Whether {@code bytes} (as {@link #encode} once wrote them) are in the current format. A store that replays an
     * older record rewrites its log at start, so the next start decodes only the current format. Default: yes.
     */
    default boolean isCurrent(byte[] bytes) {
        return true;
    }
}
