package dev.resizelet.agent.authz;

import static java.util.Objects.requireNonNull;

/** Decides whether a request may go ahead (the apiserver's {@code authorizer.Authorizer}). */
@FunctionalInterface
public interface Authorizer {

    /**
     * The answer: allowed, or not with the authorizer's reason (appended to the 403's message as the apiserver does,
     * e.g. ABAC's {@code No policy matched.}; may be empty).
     */
    record Decision(boolean allowed, String reason) {
        public static final Decision ALLOW = new Decision(true, "");

        public Decision {
            requireNonNull(reason, "reason");
        }

        public static Decision noOpinion(String reason) {
            return new Decision(false, reason);
        }
    }

    Decision authorize(Attributes request);

    /** {@code --authorization-mode=AlwaysAllow}: every request that passed authentication. */
    Authorizer ALWAYS_ALLOW = request -> Decision.ALLOW;
}
