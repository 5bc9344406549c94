package dev.resizelet.cri;

import io.grpc.Status;

/** The runtime does not implement this RPC (e.g. UpdatePodSandboxResources before CRI 1.33). */
public final class CriUnimplementedException extends CriException {
    private static final long serialVersionUID = 1L;

    public CriUnimplementedException(String rpc, Target target, String targetId, String runtimeMessage, Throwable cause) {
        super(rpc, target, targetId, Status.Code.UNIMPLEMENTED, runtimeMessage, cause);
    }
}
