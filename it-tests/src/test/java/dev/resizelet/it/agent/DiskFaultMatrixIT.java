package dev.resizelet.it.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.resizelet.core.NodeAgent;
import dev.resizelet.core.api.PodStatus;
import dev.resizelet.core.api.PodView;
import dev.resizelet.core.model.Container;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import dev.resizelet.core.model.ResourceRequirements;
import dev.resizelet.core.store.FaultyLogFiles;
import dev.resizelet.core.store.FaultyLogFiles.Errno;
import dev.resizelet.core.store.FaultyLogFiles.Op;
import dev.resizelet.core.store.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every disk fault the agent's state directory can show, injected through the logs' filesystem seam into a whole
 * {@link NodeAgent} (fake runtime on a Unix socket, temp cgroup tree): ENOSPC, EIO and EROFS at the pod store's
 * append, its fsync and its compaction's rename (at start), and at the resize journal's append and fsync. For each:
 * a spec change that cannot be made durable is refused and invisible, reads go on, an admission the journal cannot
 * make durable waits (nothing over-allocated meanwhile), and once the disk heals the agent takes writes and converges
 * without a restart; after a restart every acknowledged change is there. Prints its counts (the reliability harness
 * greps the {@code disk fault cases:} line).
 */
class DiskFaultMatrixIT {
    private static final long MI = 1024 * 1024;
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path root;

    /** One case: a fault at an operation of one log. */
    record Case(Errno errno, Op op, String log) {
        @Override
        public String toString() {
            return errno + " at " + (op == Op.RENAME ? "compaction's rename (at start)" : op) + " of " + log;
        }
    }

    private static final class Counts {
        int cases;
        int refused;
        int refusedButVisible;
        int acknowledgedChecked;
        int lost;
        int unconverged;
        int overAllocated;
        final List<String> failures = new ArrayList<>();
    }

    @Test
    void everyDiskFaultRefusesWhatItCannotKeepAndTheAgentRecoversByItself() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (Errno errno : Errno.values()) {
            cases.add(new Case(errno, Op.WRITE, "pods.log"));
            cases.add(new Case(errno, Op.FORCE, "pods.log"));
            cases.add(new Case(errno, Op.RENAME, "pods.log"));
            cases.add(new Case(errno, Op.WRITE, "resize.log"));
            cases.add(new Case(errno, Op.FORCE, "resize.log"));
        }
        Counts counts = new Counts();
        for (Case c : cases) {
            counts.cases++;
            try {
                run(c, Files.createDirectories(root.resolve("case-" + counts.cases)), counts);
            } catch (Exception | AssertionError e) {
                counts.failures.add(c + ": " + e);
            }
        }
        System.out.printf("disk fault cases: %d, writes refused: %d, refused but visible: %d, acknowledged changes "
                + "checked after restart: %d, lost: %d, over-allocated: %d, unconverged: %d%n", counts.cases,
                counts.refused, counts.refusedButVisible, counts.acknowledgedChecked, counts.lost, counts.overAllocated,
                counts.unconverged);
        counts.failures.forEach(f -> System.out.println("  failed: " + f));
        assertThat(counts.failures).isEmpty();
        assertThat(counts.refused).isPositive();
        assertThat(counts.refusedButVisible + counts.lost + counts.overAllocated + counts.unconverged).isZero();
    }

    private void run(Case c, Path dir, Counts counts) throws Exception {
        FaultyLogFiles disk = new FaultyLogFiles();
        try (RuntimeHarness h = new RuntimeHarness(dir, b -> { })) {
            Path state = dir.resolve("state");
            // given two running pods on a node of 2 CPUs, a acknowledged at 500m
            NodeAgent agent = start(h, state, disk);
            agent.create(pod("a", "500m"));
            agent.create(pod("b", "500m"));
            settled(agent, "a", "500m");
            settled(agent, "b", "500m");
            if (c.op() == Op.RENAME) {
                // the compaction a start does on a log of mostly superseded records: its rename fails; the agent
                // still starts on the old log
                for (int i = 1; i <= 20; i++) {
                    agent.update("default", "b", pod("b", (500 + i) + "m"), null, true, false);
                }
                settled(agent, "b", "520m");
                agent.close();
                disk.failAlways(Op.RENAME, c.errno(), ".tmp");
                agent = start(h, state, disk);
                assertThat(disk.failures(Op.RENAME)).as("the start's compaction was tried").isPositive();
            } else {
                disk.failAlways(c.op(), c.errno(), c.log());
            }
            try {
                String acknowledgedA = "500m";
                if (c.log().equals("pods.log") && c.op() != Op.RENAME) {
                    // when the pod store cannot keep a resize: refused, invisible, reads go on
                    for (int i = 0; i < 3; i++) {
                        NodeAgent ag = agent;
                        try {
                            ag.update("default", "a", pod("a", (600 + i) + "m"), null, true, false);
                            counts.failures.add(c + ": a resize was acknowledged while the disk refused it");
                        } catch (StoreException.Unavailable e) {
                            counts.refused++;
                            assertThat(e.getMessage()).contains(c.errno().message);
                        }
                        PodView read = agent.get("default", "a").orElseThrow();
                        if (!cpu(read.spec()).equals("500m") || read.generation() != 1) {
                            counts.refusedButVisible++;
                        }
                    }
                    assertThat(agent.list("default")).hasSize(2);
                } else if (c.log().equals("resize.log")) {
                    // when the journal cannot keep an admission: the spec is stored, the decision waits, nothing
                    // is allocated beyond the node (b's resize to 1500m would fit only if a's were not counted)
                    agent.update("default", "a", pod("a", "700m"), null, true, false);
                    acknowledgedA = "700m";
                    NodeAgent ag = agent;
                    await().atMost(WAIT).until(() -> disk.failures(c.op()) + disk.failures(Op.TRUNCATE) >= 2);
                    PodStatus.ContainerStatus cs = ag.get("default", "a").orElseThrow().status().containerStatuses()
                            .get(0);
                    if (!cs.allocatedResources().requests().get("cpu").equals(Quantity.parse("500m"))) {
                        counts.overAllocated++;   // an allocation reported that the journal never kept
                    }
                    counts.refused++;
                }

                // then once the disk heals, writes succeed without a restart and everything converges
                disk.heal();
                agent.update("default", "a", pod("a", "800m"), null, true, false);
                agent.update("default", "b", pod("b", "900m"), null, true, false);
                acknowledgedA = "800m";
                try {
                    settled(agent, "a", acknowledgedA);
                    settled(agent, "b", "900m");
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    counts.unconverged++;
                }
            } finally {
                agent.close();
            }

            // and after a restart every acknowledged change is there, and nothing refused
            NodeAgent again = start(h, state, new FaultyLogFiles());
            try {
                for (Map.Entry<String, String> e : Map.of("a", "800m", "b", "900m").entrySet()) {
                    counts.acknowledgedChecked++;
                    PodView v = again.get("default", e.getKey()).orElse(null);
                    if (v == null || !cpu(v.spec()).equals(e.getValue())) {
                        counts.lost++;
                    }
                }
                try {
                    settled(again, "a", "800m");
                    settled(again, "b", "900m");
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    counts.unconverged++;
                }
            } finally {
                again.close();
            }
        }
    }

    private static NodeAgent start(RuntimeHarness h, Path state, FaultyLogFiles disk) {
        return NodeAgent.builder()
                .runtime(h.client)
                .cgroups(h.cgroupConfig)
                .allocatable(2000, 4096 * MI)
                .stateDir(state)
                .stateFiles(disk)
                .relistInterval(Duration.ofMillis(200))
                .retryInterval(Duration.ofMillis(200))
                .build();
    }

    private static void settled(NodeAgent agent, String name, String cpu) {
        await().atMost(WAIT).until(() -> agent.get("default", name).map(v -> {
            PodStatus s = v.status();
            if (s.observedGeneration() != v.generation() || s.resize() != null || !s.phase().equals("Running")
                    || !cpu(v.spec()).equals(cpu)) {
                return false;
            }
            PodStatus.ContainerStatus cs = s.containerStatuses().get(0);
            return cs.allocatedResources().requests().get("cpu").equals(Quantity.parse(cpu))
                    && cs.resources().limits().get("cpu").equals(Quantity.parse(cpu));
        }).orElse(false));
    }

    private static String cpu(Pod p) {
        return p.containers().get(0).resources().requests().get("cpu").toString();
    }

    static Pod pod(String name, String cpu) {
        ResourceRequirements r = new ResourceRequirements(
                Map.of("cpu", Quantity.parse(cpu), "memory", Quantity.parse("64Mi")),
                Map.of("cpu", Quantity.parse(cpu), "memory", Quantity.parse("64Mi")));
        return new Pod("default", name, PodUid.of("uid-" + name), 0, 0, Map.of(), List.of(),
                List.of(new Container("app", "busybox", List.of("sleep", "3600"), r, Map.of(), null)));
    }
}
