package dev.resizelet.core.api;

/**
 * Counters of the runtime side, for {@code /metrics}.
 *
 * @param enactmentPasses enactment passes that had work to do
 * @param failedEnactmentPasses passes that a runtime error or the memory-usage guard ended
 * @param completedResizes resizes that reached actuated == allocated with status read back
 * @param legacyStatusFallbacks container statuses read from cgroup files because the runtime reported no resources
 */
public record AgentMetrics(long enactmentPasses, long failedEnactmentPasses, long completedResizes,
        long legacyStatusFallbacks) {
}
