package dev.resizelet.agent.authz;

import java.nio.file.Path;

/**
 * {@code --authorization-mode}: how requests that passed authentication are authorized. The names are the
 * apiserver's; the kubelet's {@code Webhook} (asking an apiserver with SubjectAccessReviews) is not supported.
 */
public enum AuthorizationMode {
    /** Every authenticated request may do everything (the default; the kubelet's and the apiserver's flag default). */
    AlwaysAllow,
    /** The apiserver's ABAC policy file ({@code --authorization-policy-file}). */
    ABAC;

    public static final String FLAG = "--authorization-mode";
    public static final String POLICY_FILE_FLAG = "--authorization-policy-file";

    /** @throws IllegalArgumentException naming the supported modes */
    public static AuthorizationMode parse(String value) {
        for (AuthorizationMode m : values()) {
            if (m.name().equals(value)) {
                return m;
            }
        }
        throw new IllegalArgumentException(FLAG + " must be AlwaysAllow or ABAC, got \"" + value + "\""
                + (value.contains("Webhook") || value.contains("RBAC") || value.contains("Node")
                ? " (Webhook, RBAC and Node need an apiserver; resizelet authorizes with ABAC's policy file)" : ""));
    }

    /**
     * Checks the flag pair: ABAC needs a policy file, and a policy file needs ABAC (as the apiserver refuses it).
     *
     * @throws IllegalArgumentException naming the flags
     */
    public void checkPolicyFile(Path policyFile) {
        if (this == ABAC && policyFile == null) {
            throw new IllegalArgumentException(FLAG + "=ABAC needs " + POLICY_FILE_FLAG);
        }
        if (this != ABAC && policyFile != null) {
            throw new IllegalArgumentException(POLICY_FILE_FLAG + " is only used with " + FLAG + "=ABAC");
        }
    }

    /** Builds the authorizer, reading the policy file for ABAC. */
    public Authorizer authorizer(Path policyFile) {
        checkPolicyFile(policyFile);
        return switch (this) {
            case AlwaysAllow -> Authorizer.ALWAYS_ALLOW;
            case ABAC -> AbacAuthorizer.load(policyFile);
        };
    }
}
