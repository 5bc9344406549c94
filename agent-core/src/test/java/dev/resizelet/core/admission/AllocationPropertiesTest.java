package dev.resizelet.core.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.core.model.ResourceVector;
import dev.resizelet.core.store.ResizeJournal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Random sequences of create / resize / delete / restart-from-checkpoint against the real resize state
 * log: allocated requests never exceed allocatable, a restart forgets no admitted resize, and
 * every pod is in a state the rules allow.
 */
class AllocationPropertiesTest {

    private static final long MI = 1L << 20;
    private static final NodeConfig NODE = NodeConfig.of(new NodeAllocatable(4000, 4096 * MI, 6));

    sealed interface Action permits Create, Resize, Delete, Restart {
    }

    record Create(int slot, long cpu, long memMi) implements Action {
    }

    record Resize(int slot, long cpu, long memMi) implements Action {
    }

    record Delete(int slot) implements Action {
    }

    record Restart() implements Action {
    }

    @Provide
    Arbitrary<Action> actions() {
        Arbitrary<Integer> slot = Arbitraries.integers().between(0, 7);
        Arbitrary<Long> cpu = Arbitraries.longs().between(0, 50).map(x -> x * 100);
        Arbitrary<Long> mem = Arbitraries.longs().between(0, 50).map(x -> x * 100);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Combinators.combine(slot, cpu, mem).as(Create::new)),
                net.jqwik.api.Tuple.of(5, Combinators.combine(slot, cpu, mem).as(Resize::new)),
                net.jqwik.api.Tuple.of(2, slot.map(Delete::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new Restart())));
    }

    @Property(tries = 150)
    void allocationStaysWithinTheRules(@ForAll @Size(max = 40) List<@net.jqwik.api.From("actions") Action> actions)
            throws IOException {
        Path root = Files.createTempDirectory("resizelet-prop");
        try {
            run(actions, root);
        } finally {
            try (Stream<Path> walk = Files.walk(root)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void run(List<Action> actions, Path root) {
        Map<PodUid, Pod> desired = new LinkedHashMap<>(); // the PodStore, in creation order
        Map<Integer, PodUid> slots = new java.util.HashMap<>(); // a slot's current pod: a new uid per creation, as in Kubernetes
        int created = 0;
        CommittingManager m = newManager(root);
        m.restore(List.of());
        for (Action a : actions) {
            if (a instanceof Create c) {
                if (!slots.containsKey(c.slot())) {
                    PodUid uid = PodUid.of("pod-" + c.slot() + "-" + created++);
                    slots.put(c.slot(), uid);
                    Pod p = pod(uid, 1, c.cpu(), c.memMi());
                    desired.put(uid, p);
                    m.admitNewPod(p);
                }
            } else if (a instanceof Resize r) {
                Pod old = slots.containsKey(r.slot()) ? desired.get(slots.get(r.slot())) : null;
                if (old != null) {
                    Pod p = pod(old.uid(), old.generation() + 1, r.cpu(), r.memMi());
                    desired.put(p.uid(), p);
                    m.requestResize(p);
                    m.resizeFinished(p.uid());
                }
            } else if (a instanceof Delete d) {
                PodUid uid = slots.remove(d.slot());
                if (uid != null && desired.remove(uid) != null) {
                    m.removePod(uid);
                }
            } else {
                Map<PodUid, PodResources> before = allocatedOf(m);
                m = newManager(root);
                m.restore(List.copyOf(desired.values()));
                for (Map.Entry<PodUid, PodResources> e : before.entrySet()) {
                    assertThat(m.allocated(e.getKey())).as("allocation of %s after restart", e.getKey())
                            .hasValueSatisfying(r -> assertThat(r.sameResources(e.getValue())).isTrue());
                }
            }
            settle(m);
            checkInvariants(m, desired);
        }
    }

    /** The timer, until nothing more can be admitted. */
    private static void settle(CommittingManager m) {
        while (m.retryPending().stream().anyMatch(Admitted.class::isInstance)) {
            // keep retrying: an admission in one pass can change what fits in the next
        }
    }

    private static void checkInvariants(CommittingManager m, Map<PodUid, Pod> desired) {
        ResourceVector sum = ResourceVector.ZERO;
        int admitted = 0;
        for (PodState s : m.states().values()) {
            if (s.allocated() != null) {
                sum = sum.plus(s.allocated().requests());
                admitted++;
            }
        }
        NodeSnapshot snap = m.snapshot();
        assertThat(snap.used()).isEqualTo(sum);
        assertThat(snap.pods()).isEqualTo(admitted);
        assertThat(sum.fitsWithin(NODE.allocatable().vector())).as("used %s", sum).isTrue();
        assertThat(m.states().keySet()).isEqualTo(desired.keySet());
        for (PodState s : m.states().values()) {
            assertThat(s.desired()).isEqualTo(desired.get(s.desired().uid()));
            checkPod(m, s, sum);
        }
    }

    private static void checkPod(CommittingManager m, PodState s, ResourceVector used) {
        ResourceVector want = s.desired().requests();
        NodeAllocatable node = NODE.allocatable();
        AdmissionDecision d = s.lastDecision();
        if (s.allocated() == null) {
            assertThat(d).isInstanceOf(Infeasible.class);
            return;
        }
        boolean done = s.allocated().resources().sameResources(s.desired().resources());
        if (done) {
            assertThat(d).isInstanceOf(Admitted.class);
        } else if (d instanceof Deferred) {
            ResourceVector others = used.minus(s.allocated().requests());
            assertThat(others.plus(want).fitsWithin(node.vector())).as("deferred but fits: %s", s).isFalse();
            assertThat(want.fitsWithin(node.vector())).isTrue();
        } else {
            assertThat(d).as("pending resize of %s", s.desired().uid()).isInstanceOf(Infeasible.class);
            assertThat(want.fitsWithin(node.vector())).isFalse();
        }
        assertThat(m.allocated(s.desired().uid())).isPresent();
    }

    private static Map<PodUid, PodResources> allocatedOf(CommittingManager m) {
        Map<PodUid, PodResources> out = new HashMap<>();
        m.states().forEach((uid, s) -> s.allocatedResources().ifPresent(r -> out.put(uid, r)));
        return out;
    }

    private static CommittingManager newManager(Path root) {
        return new CommittingManager(new AllocationManager(NODE, Clock.systemUTC(), ResizeJournal.openWithoutFsync(root)));
    }

    private static Pod pod(PodUid uid, long generation, long cpu, long memMi) {
        ResourceRequirements r = new ResourceRequirements(
                Map.of("cpu", Quantity.ofMillis(cpu), "memory", Quantity.ofBytes(memMi * MI)), Map.of());
        return new Pod("default", uid.value(), uid, generation, 0, Map.of(), List.of(),
                List.of(Container.of("app", "img", r)));
    }
}
