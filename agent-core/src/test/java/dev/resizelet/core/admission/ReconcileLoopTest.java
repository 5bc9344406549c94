package dev.resizelet.core.admission;

import static dev.resizelet.core.testing.Pods.burstable;
import static dev.resizelet.core.testing.Pods.resized;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.resizelet.core.store.ResizeJournal;
import dev.resizelet.core.model.Pod;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReconcileLoopTest {

    @Test
    void mutationsRunOnTheOwnerThreadAndTheTimerRetriesDeferredResizes() throws Exception {
        NodeConfig config = new NodeConfig(new NodeAllocatable(2000, 1L << 30, 10), NodeConfig.CpuManagerPolicy.NONE,
                NodeConfig.MemoryManagerPolicy.NONE, Duration.ofMillis(50));
        AllocationManager manager = new AllocationManager(config, Clock.systemUTC(), ResizeJournal.inMemory());
        List<String> threads = new CopyOnWriteArrayList<>();
        List<AdmissionDecision> heard = new CopyOnWriteArrayList<>();
        try (ReconcileLoop loop = new ReconcileLoop(manager)) {
            loop.addListener((d, s) -> {
                threads.add(Thread.currentThread().getName());
                heard.add(d);
            });
            Pod a = burstable("a", 1000, 1);
            Pod b = burstable("b", 1000, 1);
            loop.admitNewPod(a).get(5, TimeUnit.SECONDS);
            loop.admitNewPod(b).get(5, TimeUnit.SECONDS);
            Pod grown = resized(a, "cpu=1500m,memory=1", "");

            assertThat(loop.requestResize(grown).get(5, TimeUnit.SECONDS)).isInstanceOf(Deferred.class);
            // shrinking b frees room, but nobody calls resizeFinished: only the retry timer can admit a's resize
            loop.requestResize(resized(b, "cpu=500m,memory=1", "")).get(5, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(10)).until(() -> loop.state(a.uid()).orElseThrow().lastDecision()
                    instanceof Admitted);
            assertThat(loop.allocated(a.uid()).orElseThrow().sameResources(grown.resources())).isTrue();
            assertThat(loop.snapshot().used().cpuMillis()).isEqualTo(2000);
            assertThat(heard).contains(new Admitted(a.uid(), grown.generation()));
            assertThat(threads).containsOnly("resizelet-allocation");
        }
    }
}
