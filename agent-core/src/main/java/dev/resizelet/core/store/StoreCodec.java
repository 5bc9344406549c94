package dev.resizelet.core.store;

/** Turns the stored spec type into bytes and back, for the durable log. Must be deterministic. */
public interface StoreCodec<T> {
    byte[] encode(T value);

    T decode(byte[] bytes);
}
