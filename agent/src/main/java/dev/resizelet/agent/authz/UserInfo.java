package dev.resizelet.agent.authz;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Who made a request, as the apiserver's authenticators describe a user: a name and groups. A client certificate gives
 * its subject's common name as the name and its organizations as groups (the x509 authenticator), plus
 * {@value #ALL_AUTHENTICATED}; a request without credentials is {@value #ANONYMOUS} in {@value #ALL_UNAUTHENTICATED}.
 */
public record UserInfo(String name, List<String> groups) {
    public static final String ANONYMOUS = "system:anonymous";
    public static final String ALL_AUTHENTICATED = "system:authenticated";
    public static final String ALL_UNAUTHENTICATED = "system:unauthenticated";
    /** The apiserver's privileged group: allowed everything whatever the authorization mode. */
    public static final String PRIVILEGED_GROUP = "system:masters";

    /** A request that carried no credentials (plain HTTP, or TLS without a client CA). */
    public static final UserInfo ANONYMOUS_USER = new UserInfo(ANONYMOUS, List.of(ALL_UNAUTHENTICATED));

    public UserInfo {
        requireNonNull(name, "name");
        groups = List.copyOf(groups);
    }

    /** A user a client certificate authenticated: its groups plus {@value #ALL_AUTHENTICATED}, as the apiserver adds it. */
    public static UserInfo authenticated(String name, List<String> organizations) {
        List<String> groups = new java.util.ArrayList<>(organizations);
        if (!groups.contains(ALL_AUTHENTICATED)) {
            groups.add(ALL_AUTHENTICATED);
        }
        return new UserInfo(name, groups);
    }

    public boolean inGroup(String group) {
        return groups.contains(group);
    }
}
