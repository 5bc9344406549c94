package dev.resizelet.core;

import static dev.resizelet.core.AgentFutures.join;

import dev.resizelet.core.admission.ReconcileLoop;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.runtime.RuntimeEngine;
import dev.resizelet.core.store.ObjectKey;
import dev.resizelet.core.store.PodStore;
import dev.resizelet.core.store.StoreException;
import dev.resizelet.core.store.StoredObject;
import dev.resizelet.core.validation.DeletionRules;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deletion of a pod ({@link NodeAgent#delete(String, String, Long)}): decided by the apiserver's rules
 * ({@link DeletionRules}), marked durably or (force) removed at once, the teardown handed to the engine (held, like any
 * engine call, until the start's adoption is done), and once the teardown is done, the object and its allocation
 * removed. A pod being deleted is in {@code terminating} from the mark until then: never started or resized again.
 */
final class PodDeletions {
    /** Logs as the agent: its lines are known by that logger. */
    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

    private final PodStore<Pod, PodStatus> store;
    private final ReconcileLoop loop;
    private final RuntimeEngine engine;
    private final HeldEngineCalls engineCalls;
    private final PodStatuses statuses;
    private final Map<PodUid, ObjectKey> keysByUid;
    private final Set<PodUid> terminating;
    private final Clock clock;

    PodDeletions(PodStore<Pod, PodStatus> store, ReconcileLoop loop, RuntimeEngine engine, HeldEngineCalls engineCalls,
            PodStatuses statuses, Map<PodUid, ObjectKey> keysByUid, Set<PodUid> terminating, Clock clock) {
        this.store = store;
        this.loop = loop;
        this.engine = engine;
        this.engineCalls = engineCalls;
        this.statuses = statuses;
        this.keysByUid = keysByUid;
        this.terminating = terminating;
        this.clock = clock;
    }

    /** As {@link NodeAgent#delete(String, String, Long)}. */
    PodView delete(String namespace, String name, Long gracePeriodSeconds) {
        ObjectKey key = new ObjectKey(namespace, name);
        // milliseconds: what the store keeps, so a mark reads the same after a restart
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        StoredObject<Pod, PodStatus> current = store.get(key).orElseThrow(() -> NodeAgent.notFound(name));
        DeletionRules.Decision decision = decideDeletion(current, gracePeriodSeconds, now);
        if (decision instanceof DeletionRules.Immediate) {
            return forceDelete(key, current.spec().uid(), name);
        }
        if (decision instanceof DeletionRules.Mark) {
            return markDeleting(key, current.spec().uid(), name, gracePeriodSeconds, now);
        }
        return statuses.view(current); // Unchanged: a graceful deletion is pending and this request does not shorten it
    }

    private static DeletionRules.Decision decideDeletion(StoredObject<Pod, PodStatus> o, Long gracePeriodSeconds,
            Instant now) {
        String phase = o.status() == null ? null : o.status().phase();
        return DeletionRules.decide(o.spec(), phase, o.deletion(), gracePeriodSeconds, now);
    }

    /** The apiserver's first phase of a graceful delete, durably; then the teardown starts (or is hurried). */
    private PodView markDeleting(ObjectKey key, PodUid uid, String name, Long gracePeriodSeconds, Instant now) {
        StoredObject<Pod, PodStatus> marked;
        try {
            // decided again under the store's lock, on the object as it is now (a concurrent delete may have marked it)
            marked = store.markDeleting(key, o -> {
                if (!o.uid().equals(uid.value())) {
                    throw new StoreException.NotFound(key);
                }
                return decideDeletion(o, gracePeriodSeconds, now) instanceof DeletionRules.Mark m ? m.deletion() : null;
            });
        } catch (StoreException.NotFound e) {
            throw NodeAgent.notFound(name);
        }
        if (marked.deletion() == null) {
            return statuses.view(marked);
        }
        terminating.add(uid);
        engineCalls.run(() -> engine.remove(uid, marked.deletion().timestamp()));
        log.info("pod deletion requested pod={} uid={} gracePeriodSeconds={} deletionTimestamp={}", key, marked.uid(),
                marked.deletion().gracePeriodSeconds(), marked.deletion().timestamp());
        return statuses.view(marked);
    }

    /** gracePeriodSeconds=0: the object and the allocation go now; the teardown follows with the least grace period. */
    private PodView forceDelete(ObjectKey key, PodUid uid, String name) {
        StoredObject<Pod, PodStatus> deleted = store.deleteIfUid(key, uid.value())
                .orElseThrow(() -> NodeAgent.notFound(name));
        terminating.add(uid);
        engineCalls.run(() -> engine.remove(uid));
        join(loop.removePod(uid)); // freed when the answer goes out: a new pod may take its room
        log.info("pod force-deleted pod={} uid={}", key, uid);
        return statuses.view(deleted);
    }

    /** On a worker thread, when a pod's teardown is done: the object goes (watch DELETED) and its allocation is freed. */
    void teardownDone(PodUid uid) {
        // the allocation first: once a watcher sees DELETED, the room is free (a crash in between re-admits the pod from
        // its record and resumes its teardown, which finds nothing left, so nothing is over-counted for long)
        join(loop.removePod(uid));
        ObjectKey key = keysByUid.get(uid);
        if (key != null) {
            try {
                store.deleteIfUid(key, uid.value());
            } catch (StoreException e) {
                // the mark stays durable: the next start resumes (and finds nothing left to tear down)
                log.warn("pod torn down but not removed from the store pod={} uid={} error=\"{}\"", key, uid,
                        e.getMessage());
                return;
            }
        }
        keysByUid.remove(uid);
        terminating.remove(uid);
    }
}
