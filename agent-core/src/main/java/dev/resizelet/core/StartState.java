package dev.resizelet.core;

import static dev.resizelet.core.AgentFutures.background;
import static dev.resizelet.core.AgentFutures.join;

import com.google.common.base.Suppliers;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.runtime.RuntimeListing;
import dev.resizelet.core.store.LogFiles;
import dev.resizelet.core.store.PodSpecCodec;
import dev.resizelet.core.store.PodStore;
import dev.resizelet.core.store.ResizeJournal;
import dev.resizelet.core.store.StatusSnapshot;
import dev.resizelet.core.store.StoreException;
import dev.resizelet.cri.CriRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a start reads before anything is wired, side by side: the pod store and the resize journal, replayed at once;
 * the statuses a clean stop left ({@link StatusSnapshot}), taken meanwhile; and the runtime's node-wide listing,
 * started with them after a crash, or after a clean stop only once the adoption asks for it ({@link AgentStart}).
 *
 * @param stateDir where the logs live; null when nothing survives a restart
 * @param lastStatuses the statuses a clean stop left, by pod; empty when there were none
 * @param listing the start's listing of the runtime, started at the first {@code get}
 * @param t0 when the start began ({@link System#nanoTime}); {@code tStore} and {@code tJournal}: when the pod store and
 *     the journal were open (the ready line's timings)
 */
record StartState(Path stateDir, PodStore<Pod, PodStatus> store, ResizeJournal journal,
        Map<PodUid, PodStatus> lastStatuses, Supplier<CompletableFuture<RuntimeListing>> listing, long t0, long tStore,
        long tJournal) {
    /** Logs as the agent: its lines are known by that logger. */
    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

    /**
     * Opens the state dir's logs (or in-memory ones without a state dir) and takes the status snapshot; what was opened
     * is closed again if the start stops here.
     */
    static StartState read(CriRuntime cri, Path stateDir, LogFiles stateFiles, Clock clock) {
        long t0 = System.nanoTime();
        // what the runtime holds is read while the stores are decoded (DESIGN §7: a restart of 10,000 pods waits on
        // both); nothing is started before the adoption (AgentStart) has used it. After a clean stop (its statuses left
        // in a snapshot) the runtime is read after ready: the listing waits until then, and the stores get both cores
        Path snapshot = stateDir == null ? null : stateDir.resolve(StatusSnapshot.FILE);
        boolean snapshotLeft = snapshot != null && Files.exists(snapshot);
        Supplier<CompletableFuture<RuntimeListing>> listing = Suppliers.memoize(() -> listRuntime(cri, t0));
        if (!snapshotLeft) {
            listing.get();
        }
        if (stateDir != null) {
            refuseOldCheckpoints(stateDir);
        }
        // taken (read and removed) whatever happens next, while the logs are replayed: a later start never serves
        // these statuses again
        CompletableFuture<StatusSnapshot.Taken> taking = !snapshotLeft
                ? CompletableFuture.completedFuture(new StatusSnapshot.Taken(null, Map.of()))
                : background("resizelet-start-statuses", () -> StatusSnapshot.take(stateFiles, snapshot));
        // a snapshot that turns out empty or damaged serves nothing: the runtime is listed now, beside the replay
        taking.thenAccept(t -> {
            if (t.statuses().isEmpty()) {
                listing.get();
            }
        });
        // the two logs are independent files: replayed at once
        CompletableFuture<ResizeJournal> opening = stateDir == null ? CompletableFuture.completedFuture(
                ResizeJournal.inMemory()) : background("resizelet-start-journal",
                        () -> ResizeJournal.open(stateFiles, stateDir.resolve("resize")));
        PodStore<Pod, PodStatus> store;
        try {
            store = stateDir == null ? PodStore.inMemory(new PodSpecCodec(), clock)
                    : PodStore.open(stateFiles, stateDir.resolve("pods"), new PodSpecCodec(), clock);
        } catch (RuntimeException e) {
            opening.thenAccept(ResizeJournal::close);
            throw e;
        }
        long tStore = System.nanoTime();
        ResizeJournal journal;
        try {
            journal = join(opening);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        long tJournal = System.nanoTime();
        Map<PodUid, PodStatus> lastStatuses;
        try {
            // served only if nothing wrote the logs since the stop that left it
            lastStatuses = join(taking).servedWith(new StatusSnapshot.LogMarks(store.openedLogMark(),
                    journal.openedMark()));
        } catch (RuntimeException e) {
            // left in place, a later start (after a crash of this one) would serve statuses older than its state
            journal.close();
            store.close();
            throw new StoreException("status snapshot " + snapshot + " could not be removed after reading it ("
                    + e.getMessage() + "); make the state dir writable, or remove the file (the next start then waits "
                    + "for the runtime)", e);
        }
        return new StartState(stateDir, store, journal, lastStatuses, listing, t0, tStore, tJournal);
    }

    /** The node-wide listing, the sandboxes and the containers at once: a runtime answers the two side by side. */
    private static CompletableFuture<RuntimeListing> listRuntime(CriRuntime cri, long t0) {
        return background("resizelet-start-sandboxes", () -> RuntimeListing.sandboxes(cri))
                .thenCombine(background("resizelet-start-containers", () -> RuntimeListing.containers(cri)),
                        (sandboxes, containers) -> {
                            log.info("runtime listed sandboxes={} containers={} ms={}", sandboxes.size(),
                                    containers.size(), (System.nanoTime() - t0) / 1_000_000);
                            return new RuntimeListing(sandboxes, containers);
                        });
    }

    /**
     * The first release kept allocated and actuated resources as one checkpoint file per pod ({@code allocated/},
     * {@code actuated/}); the resize journal replaced them. Starting over them silently would re-admit every pod as
     * new, so the start stops and says what to do.
     */
    private static void refuseOldCheckpoints(Path stateDir) {
        Path old = stateDir.resolve("allocated");
        if (Files.isDirectory(old) && !Files.exists(stateDir.resolve("resize").resolve("resize.log"))) {
            throw new StoreException.Corrupt("state dir " + stateDir + " holds per-pod checkpoints of an older resizelet ("
                    + old + ", " + stateDir.resolve("actuated") + ") that this version does not read; drain the node "
                    + "and move both directories away to let resizelet re-admit every pod from its spec");
        }
    }
}
