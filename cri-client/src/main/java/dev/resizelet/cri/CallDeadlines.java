package dev.resizelet.cri;

import io.grpc.Context;
import io.grpc.Deadline;
import java.util.concurrent.TimeUnit;

/**
 * The deadline of each CRI call, on a millisecond clock so that the {@code grpc-timeout} header repeats.
 *
 * <p>gRPC sends a call's deadline as the time left when the call starts, in the coarsest unit that keeps 8 digits:
 * a 30 s timeout goes out in microseconds ({@code 29999873u}), a new value for every call. HTTP/2's header compression
 * (HPACK) then adds each value to both ends' header tables: the client's encoder searched a table full of old
 * timeouts on every call (a tenth of its transport thread's time at 7,000 calls/s), and every value pushed the
 * other headers out. Measured from a clock that moves in whole milliseconds, the time left is the timeout itself or
 * a millisecond less: two values, each sent as an index into the table after its first use. The runtime's deadline
 * is at most 1 ms earlier than the precise one.
 *
 * <p>gRPC refuses to compare deadlines of different clocks (an {@link AssertionError}). It compares a call's deadline
 * with the calling context's when that has one (a call made while serving another gRPC call: such a call gets the
 * system clock's), and with a method timeout from a service config: the client's own channel takes none (no DNS
 * lookup of one), and a channel a caller made keeps the system clock ({@link #SYSTEM}).
 */
enum CallDeadlines {
    /** {@link System#nanoTime()} truncated to whole milliseconds. */
    MILLISECONDS {
        @Override
        Deadline after(long timeoutNanos) {
            return Context.current().getDeadline() == null ? Deadline.after(timeoutNanos, TimeUnit.NANOSECONDS, MILLIS)
                    : SYSTEM.after(timeoutNanos);
        }
    },
    /** gRPC's own clock. */
    SYSTEM {
        @Override
        Deadline after(long timeoutNanos) {
            return Deadline.after(timeoutNanos, TimeUnit.NANOSECONDS);
        }
    };

    private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);

    private static final Deadline.Ticker MILLIS = new Deadline.Ticker() {
        @Override
        public long nanoTime() {
            return Math.floorDiv(System.nanoTime(), MILLI) * MILLI;
        }

        @Override
        public String toString() {
            return "CallDeadlines.MILLISECONDS";
        }
    };

    /** A deadline {@code timeoutNanos} from now. */
    abstract Deadline after(long timeoutNanos);
}
