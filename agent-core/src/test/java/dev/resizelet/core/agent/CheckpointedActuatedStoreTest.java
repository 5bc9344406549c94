package dev.resizelet.core.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.resizelet.core.enact.ResourceValues;
import dev.resizelet.core.model.PodResources;
import dev.resizelet.core.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckpointedActuatedStoreTest {
    private final List<PodResources> written = new ArrayList<>();
    private final CheckpointedActuatedStore store = new CheckpointedActuatedStore(written::add, uid -> 7);

    @Test
    void aPassIsCheckpointedOnceWithEverythingTheRuntimeAccepted() {
        store.put("p", "a", new ResourceValues(500, 500, 1 << 20, 1 << 20));
        store.put("p", "b", new ResourceValues(250, 0, 0, 0));
        assertThat(written).as("nothing durable before the pass ends").isEmpty();

        store.flush("p");

        assertThat(written).singleElement().satisfies(r -> {
            assertThat(r.generation()).isEqualTo(7);
            assertThat(r.containers().get("a").limits()).containsEntry("cpu", Quantity.parse("500m"))
                    .containsEntry("memory", Quantity.parse("1Mi"));
            assertThat(r.containers().get("b").requests()).containsOnlyKeys("cpu");
            assertThat(r.containers().get("b").limits()).isEmpty();
        });
    }

    @Test
    void flushWithoutChangesWritesNothingAndRemovedPodsAreNotWritten() {
        store.put("p", "a", new ResourceValues(500, 500, 0, 0));
        store.flush("p");
        store.put("p", "a", new ResourceValues(500, 500, 0, 0));
        store.flush("p");
        store.put("q", "a", new ResourceValues(100, 0, 0, 0));
        store.remove("q");
        store.flush("q");

        assertThat(written).hasSize(1);
        assertThat(store.get("q")).isEmpty();
    }
}
