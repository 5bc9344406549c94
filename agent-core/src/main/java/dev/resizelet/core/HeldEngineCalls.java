package dev.resizelet.core;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine calls (passes, teardowns) made before the start's adoption gave the engine the pods the runtime kept:
 * held, and run in the order made once it has. The start ends the holding once ({@link #release}, and
 * {@link #stopHolding} in a finally); from then on every call runs at once. One lock orders the two sides: a call is
 * held, or the holding ends, under it, so no call stays held after the release and none runs before what the start
 * hands the engine first.
 */
final class HeldEngineCalls {
    /** Logs as the agent: its lines are known by that logger. */
    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

    /**
     * Engine calls (passes, teardowns) made before the start's adoption gave the engine the pods the runtime kept,
     * run in order once it has; null from then on. Read without the lock once null; written under it.
     */
    private volatile List<Runnable> held = new ArrayList<>();
    private final Object lock = new Object();

    /** A call to the engine: now, or once the start's adoption is done if it still runs (in the order made). */
    void run(Runnable call) {
        if (held != null) {
            synchronized (lock) {
                if (held != null) {
                    held.add(call);
                    return;
                }
            }
        }
        call.run();
    }

    /**
     * Ends the holding, under the lock (a call made meanwhile waits for it, then runs at once): {@code first}, what the
     * start hands the engine before anything else, then the held calls in their order, each on its own (one that
     * fails is logged), unless {@code dropHeld} says by then that they are no longer wanted (the agent closed). If
     * {@code first} fails, its exception is thrown on and no held call runs: the caller ends with {@link #stopHolding}
     * in a finally.
     */
    void release(Runnable first, BooleanSupplier dropHeld) {
        synchronized (lock) {
            first.run();
            for (Runnable call : dropHeld.getAsBoolean() ? List.<Runnable>of() : held) {
                try {
                    call.run();
                } catch (RuntimeException e) {
                    log.warn("engine call held for the adoption failed error=\"{}\"", e.toString());
                }
            }
            held = null;
        }
    }

    /** Calls run at once from now on, what is still held dropped: the start's guard, whatever failed before it. */
    void stopHolding() {
        held = null;
    }
}
