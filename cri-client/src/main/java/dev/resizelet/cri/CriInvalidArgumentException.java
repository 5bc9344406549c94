package dev.resizelet.cri;

import io.grpc.Status;

/** The runtime rejected the request's values; retrying the same request will not help. */
public final class CriInvalidArgumentException extends CriException {
    private static final long serialVersionUID = 1L;

    public CriInvalidArgumentException(String rpc, Target target, String targetId, String runtimeMessage, Throwable cause) {
        super(rpc, target, targetId, Status.Code.INVALID_ARGUMENT, runtimeMessage, cause);
    }
}
