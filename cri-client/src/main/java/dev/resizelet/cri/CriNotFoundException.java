package dev.resizelet.cri;

import io.grpc.Status;

/** The container or sandbox does not exist (any more). */
public final class CriNotFoundException extends CriException {
    private static final long serialVersionUID = 1L;

    public CriNotFoundException(String rpc, Target target, String targetId, String runtimeMessage, Throwable cause) {
        super(rpc, target, targetId, Status.Code.NOT_FOUND, runtimeMessage, cause);
    }
}
