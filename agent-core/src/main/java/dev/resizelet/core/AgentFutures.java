package dev.resizelet.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * The agent's two ways with a future: waiting for one as if its work had run here (its own exception thrown, not
 * wrapped), and a start-up read on a named thread of its own, so that the start's reads overlap.
 */
final class AgentFutures {
    private AgentFutures() {
    }

    /** The future's value, or its work's own {@link RuntimeException}. */
    static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

    /** Runs {@code work} on a thread of its own (start-up reads that overlap). */
    static <T> CompletableFuture<T> background(String name, Supplier<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(work.get());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return f;
    }
}
