package dev.resizelet.agent;

import dev.resizelet.agent.http.PodService;
import dev.resizelet.cgroups.CgroupConfig;
import java.time.Clock;
import java.util.Map;

/** What the daemon runs behind its HTTP API: pods as a {@link PodService}, plus counters for /metrics. */
public interface AgentBackend extends AutoCloseable {
    PodService pods();

    /** The agent's own counters by name, exported as resizelet_agent_events{counter=...}. */
    Map<String, Long> agentCounters();

    @Override
    void close();

    /** Starts the backend for {@code config} talking to the CRI runtime at {@code endpoint}. */
    static AgentBackend start(AgentConfig config, String endpoint, CgroupConfig cgroups, Clock clock) {
        return StoreBackend.open(config, clock);
    }
}
