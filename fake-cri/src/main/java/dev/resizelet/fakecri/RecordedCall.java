package dev.resizelet.fakecri;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import java.time.Instant;

/**
 * One call the fake runtime received, recorded on arrival (before any injected fault or latency).
 *
 * @param sequence from the runtime's sequence counter, which tests may share with their own observers
 *     (e.g. a {@code CgroupManager} listener) to assert the order of CRI calls and cgroup writes
 * @param rpc which RPC
 * @param id the container or sandbox id the call names ({@code namespace/name} for RunPodSandbox;
 *     empty for calls about neither)
 * @param request the request message as received
 * @param at when it arrived, by the runtime's clock
 */
public record RecordedCall(long sequence, CriRpc rpc, String id, Message request, Instant at) {
    public RecordedCall {
        requireNonNull(rpc, "rpc");
        requireNonNull(id, "id");
        requireNonNull(request, "request");
        requireNonNull(at, "at");
    }
}
