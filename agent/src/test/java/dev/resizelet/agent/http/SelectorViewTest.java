package dev.resizelet.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class SelectorViewTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode pod(String name, String app) throws Exception {
        return JSON.readTree("{\"metadata\":{\"namespace\":\"default\",\"name\":\"" + name + "\",\"labels\":{\"app\":\""
                + app + "\"}}}");
    }

    @Test
    void anObjectThatStartsOrStopsMatchingIsAddedOrDeletedForTheWatcher() throws Exception {
        SelectorView view = new SelectorView(Selectors.labels("app=web"));
        view.seen(pod("a", "web"));

        assertThat(view.typeFor("MODIFIED", pod("a", "web"))).isEqualTo("MODIFIED");
        assertThat(view.typeFor("MODIFIED", pod("a", "db"))).isEqualTo("DELETED");
        assertThat(view.typeFor("MODIFIED", pod("a", "db"))).isNull();
        assertThat(view.typeFor("MODIFIED", pod("a", "web"))).isEqualTo("ADDED");
        assertThat(view.typeFor("DELETED", pod("a", "web"))).isEqualTo("DELETED");
        assertThat(view.typeFor("ADDED", pod("b", "db"))).isNull();
        assertThat(view.typeFor("DELETED", pod("b", "db"))).isNull();
        assertThat(view.typeFor("ADDED", pod("c", "web"))).isEqualTo("ADDED");
    }
}
