package dev.resizelet.agent.http;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The apiserver's name rules (apimachinery {@code validation.IsDNS1123Subdomain} / {@code IsDNS1123Label}), checked
 * at the door so that no name from a request ({@code ../x}, a 254-character name, a uid with {@code /}) ever
 * reaches the agent, the store or a cgroup path.
 */
public final class NameRules {
    private NameRules() {}

    private static final Pattern UID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,62}");

    /** Problems with a pod name, in the apiserver's words; empty if valid (the one set of rules: core's). */
    public static List<String> podName(String name) {
        return dev.resizelet.core.validation.NameRules.dns1123Subdomain(name);
    }

    public static List<String> namespace(String name) {
        return dev.resizelet.core.validation.NameRules.dns1123Label(name);
    }

    public static boolean validUid(String uid) {
        return UID.matcher(uid).matches();
    }

    /** A name taken from the URL path: a bad one is a 400 and nothing is looked up. */
    public static void checkPath(String namespace, String name) {
        if (namespace != null && !namespace(namespace).isEmpty()) {
            throw ApiException.badRequest("invalid namespace \"" + abbreviate(namespace) + "\": " + String.join(", ", namespace(namespace)));
        }
        if (name != null && !podName(name).isEmpty()) {
            throw ApiException.badRequest("invalid pod name \"" + abbreviate(name) + "\": " + String.join(", ", podName(name)));
        }
    }

    /** Names in a body: 422 Invalid with one cause per problem. */
    public static void checkBody(String namespace, String name, String uid) {
        List<ApiException.Cause> causes = new ArrayList<>();
        for (String e : podName(name)) {
            causes.add(new ApiException.Cause("FieldValueInvalid", "Invalid value: \"" + abbreviate(name) + "\": " + e, "metadata.name"));
        }
        for (String e : namespace(namespace)) {
            causes.add(new ApiException.Cause("FieldValueInvalid", "Invalid value: \"" + abbreviate(namespace) + "\": " + e,
                    "metadata.namespace"));
        }
        if (uid != null && !validUid(uid)) {
            causes.add(new ApiException.Cause("FieldValueInvalid", "Invalid value: \"" + abbreviate(uid)
                    + "\": must consist of letters, digits and '-' (at most 63 characters)", "metadata.uid"));
        }
        if (!causes.isEmpty()) {
            throw ApiException.invalid("Pod", abbreviate(name), causes);
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 60) + "...(" + s.length() + " characters)";
    }
}
