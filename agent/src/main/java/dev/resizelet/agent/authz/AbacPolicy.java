package dev.resizelet.agent.authz;

import static java.util.Objects.requireNonNull;

/**
 * One line of an ABAC policy file, {@code abac.authorization.kubernetes.io/v1beta1} {@code Policy}'s spec, matched as
 * the apiserver's {@code pkg/auth/authorizer/abac} matches it:
 * <ul>
 *   <li>subject: {@code user} (exact, or {@code *}) and {@code group} (one of the user's groups, or {@code *}); at
 *       least one must be set and every one set must match. In v1beta1 {@code *} for either stands for every
 *       authenticated user (group {@code system:authenticated}), so it never matches an anonymous request;</li>
 *   <li>verb: a read ({@code get}, {@code list}, {@code watch}) matches any policy; anything else only a policy
 *       without {@code readonly: true};</li>
 *   <li>a resource request: {@code namespace}, {@code resource} and {@code apiGroup} each exact or {@code *} (an empty
 *       {@code namespace} matches only cluster-scoped requests; subresources are matched by their resource);</li>
 *   <li>a non-resource request: {@code nonResourcePath} exact, {@code *}, or a prefix ending in {@code *}.</li>
 * </ul>
 */
public record AbacPolicy(String user, String group, boolean readonly, String apiGroup, String resource,
                         String namespace, String nonResourcePath) {

    public AbacPolicy {
        requireNonNull(user, "user");
        requireNonNull(group, "group");
        requireNonNull(apiGroup, "apiGroup");
        requireNonNull(resource, "resource");
        requireNonNull(namespace, "namespace");
        requireNonNull(nonResourcePath, "nonResourcePath");
        // v1beta1's conversion: "*" as user or group means every authenticated subject
        if (user.equals("*") || group.equals("*")) {
            group = UserInfo.ALL_AUTHENTICATED;
        }
    }

    public boolean matches(Attributes a) {
        return subjectMatches(a.user()) && verbMatches(a) && (resourceMatches(a) || nonResourceMatches(a));
    }

    private boolean subjectMatches(UserInfo u) {
        boolean matched = false;
        if (!user.isEmpty()) {
            if (user.equals("*")) {
                matched = true;
            } else if (user.equals(u.name())) {
                matched = true;
            } else {
                return false;
            }
        }
        if (!group.isEmpty()) {
            if (group.equals("*") || u.inGroup(group)) {
                matched = true;
            } else {
                return false;
            }
        }
        return matched;
    }

    private boolean verbMatches(Attributes a) {
        return a.readOnly() || !readonly;
    }

    private boolean resourceMatches(Attributes a) {
        return a.resourceRequest()
                && (namespace.equals("*") || namespace.equals(a.namespace()))
                && (resource.equals("*") || resource.equals(a.resource()))
                && (apiGroup.equals("*") || apiGroup.equals(a.apiGroup()));
    }

    private boolean nonResourceMatches(Attributes a) {
        if (a.resourceRequest()) {
            return false;
        }
        if (nonResourcePath.equals("*") || nonResourcePath.equals(a.path())) {
            return true;
        }
        return nonResourcePath.endsWith("*") && a.path().startsWith(stripTrailingStars(nonResourcePath));
    }

    private static String stripTrailingStars(String s) {
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '*') {
            end--;
        }
        return s.substring(0, end);
    }
}
