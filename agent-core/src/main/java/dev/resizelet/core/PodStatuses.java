package dev.resizelet.core;

import dev.resizelet.core.admission.PodState;
import dev.resizelet.core.admission.ReconcileLoop;
import dev.resizelet.core.agent.EventLog;
import dev.resizelet.core.agent.StatusComposer;
import dev.resizelet.core.agent.StatusPublisher;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.enact.ActuationRecords;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.runtime.PodRuntimeView;
import dev.resizelet.core.runtime.RuntimeEngine;
import dev.resizelet.core.status.ResizeEvent;
import dev.resizelet.core.store.LogFiles;
import dev.resizelet.core.store.ObjectKey;
import dev.resizelet.core.store.PodStore;
import dev.resizelet.core.store.StatusSnapshot;
import dev.resizelet.core.store.StoredObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's status side: each pod's status composed ({@link StatusComposer}) from the loop's committed record, the
 * runtime's view and the status stored, and published through the store on the {@link StatusPublisher}'s threads;
 * after a clean stop, the statuses it left, served until the runtime was read; at a clean stop, the snapshot of every
 * status for the next start; and the API's view of a stored pod.
 */
final class PodStatuses implements AutoCloseable {
    /** Logs as the agent: its lines are known by that logger. */
    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

    private final PodStore<Pod, PodStatus> store;
    private final ReconcileLoop loop;
    private final ActuationRecords records;
    private final RuntimeEngine engine;
    private final StatusComposer composer;
    private final Map<PodUid, ObjectKey> keysByUid;
    private final EventLog events;
    private final StatusPublisher publisher;
    /**
     * The statuses a clean stop left ({@link StatusSnapshot}), served until the runtime was read after a restart; null
     * when there were none (the start then waits for the runtime, as after a crash) and once it was read.
     */
    private volatile Map<PodUid, PodStatus> unreadStatuses;

    PodStatuses(PodStore<Pod, PodStatus> store, ReconcileLoop loop, ActuationRecords records, RuntimeEngine engine,
            StatusComposer composer, Map<PodUid, ObjectKey> keysByUid, EventLog events) {
        this.store = store;
        this.loop = loop;
        this.records = records;
        this.engine = engine;
        this.composer = composer;
        this.keysByUid = keysByUid;
        this.events = events;
        this.publisher = new StatusPublisher(this::publish, 2);
    }

    /** The pod's status may have changed: the publisher recomposes it soon. */
    void kick(PodUid uid) {
        publisher.kick(uid);
    }

    /** Pods whose status waits to be published. */
    int backlog() {
        return publisher.backlog();
    }

    /** The status a new pod is stored with. */
    PodStatus initial(Pod pod) {
        return composer.initial(pod);
    }

    /** The start serves the statuses a clean stop left until the runtime was read ({@link #stopServingUnread}). */
    void serveUnread(Map<PodUid, PodStatus> statuses) {
        unreadStatuses = statuses;
    }

    /** The runtime was read: statuses are composed from it again. True if they were served from a snapshot till now. */
    boolean stopServingUnread() {
        if (unreadStatuses == null) {
            return false;
        }
        unreadStatuses = null;
        return true;
    }

    /**
     * On the publisher thread: recomposes the pod's status from the three views and publishes it (and its resize
     * events) through the store.
     */
    void publish(PodUid uid) {
        ObjectKey key = keysByUid.get(uid);
        if (key == null) {
            return;
        }
        List<ResizeEvent> produced = new ArrayList<>(1);
        // composed outside the store's lock (writers never wait on it); stored only if nobody changed the object
        // meanwhile, else composed again under the lock from what is there now
        StoredObject<Pod, PodStatus> read = store.get(key).orElse(null);
        if (read == null) {
            return;
        }
        StatusComposer.Composed outside = compose(uid, read);
        store.updateStatus(key, o -> {
            StatusComposer.Composed c = o.resourceVersion() == read.resourceVersion() ? outside : compose(uid, o);
            produced.clear();
            produced.addAll(c.events());
            return c.status();
        });
        produced.forEach(events::record);
    }

    private StatusComposer.Composed compose(PodUid uid, StoredObject<Pod, PodStatus> o) {
        PodState state = loop.state(uid).orElse(null);
        Map<PodUid, PodStatus> unread = unreadStatuses;
        if (unread != null) {
            PodStatus last = o.status() != null ? o.status() : unread.get(uid);
            if (last != null) {
                return composer.composeUnread(o.spec(), state, records.actuated(uid), last);
            }
        }
        PodRuntimeView runtime = engine.view(uid).orElse(null);
        return composer.compose(o.spec(), state, runtime, o.status());
    }

    /** The API's view of a stored pod. */
    PodView view(StoredObject<Pod, PodStatus> o) {
        // a pod restored at start has no status until the publisher reaches it: composed here from the loop's and the
        // runtime's views, so a reader right after a restart already sees allocatedResources
        PodStatus status = o.status() != null ? o.status() : compose(o.spec().uid(), o).status();
        StoredObject.Deletion d = o.deletion();
        return new PodView(o.spec(), status, o.resourceVersion(), o.generation(), o.creationTimestamp(),
                d == null ? null : d.timestamp(), d == null ? null : d.gracePeriodSeconds());
    }

    /**
     * A clean stop leaves every pod's last status for the next start ({@link StatusSnapshot}), with where the logs ended
     * once nothing writes them any more ({@code marks}); a failure only costs that start its wait for the runtime.
     */
    void writeSnapshot(LogFiles files, Path stateDir, StatusSnapshot.LogMarks marks) {
        try {
            Map<PodUid, PodStatus> statuses = new HashMap<>();
            for (StoredObject<Pod, PodStatus> o : store.list(null)) {
                // composed now: the publisher's kicks still queued at the stop are not lost with it
                statuses.put(o.spec().uid(), compose(o.spec().uid(), o).status());
            }
            StatusSnapshot.write(files, stateDir.resolve(StatusSnapshot.FILE), marks, statuses);
        } catch (RuntimeException e) {
            log.warn("status snapshot not written, the next start waits for the runtime error=\"{}\"", e.toString());
        }
    }

    /** Stops publishing (a kick from now on is ignored); {@link #view} and {@link #writeSnapshot} still compose. */
    @Override
    public void close() {
        publisher.close();
    }
}
