package dev.resizelet.cri;

import io.grpc.Status;

/** The runtime cannot be reached (not running, restarting, socket missing); retry later. */
public final class CriUnavailableException extends CriException {
    private static final long serialVersionUID = 1L;

    public CriUnavailableException(String rpc, Target target, String targetId, String runtimeMessage, Throwable cause) {
        super(rpc, target, targetId, Status.Code.UNAVAILABLE, runtimeMessage, cause);
    }
}
