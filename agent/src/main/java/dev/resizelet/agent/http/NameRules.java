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

    private static final Pattern SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern UID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9-]{0,62}");

    static final String SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            + "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
            + "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    static final String LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
            + "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
            + "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    /** Problems with a pod name, in the apiserver's words; empty if valid. */
    public static List<String> podName(String name) {
        List<String> errors = new ArrayList<>();
        if (name.length() > 253) {
            errors.add("must be no more than 253 characters");
        }
        if (!SUBDOMAIN.matcher(name).matches()) {
            errors.add(SUBDOMAIN_MSG);
        }
        return errors;
    }

    public static List<String> namespace(String name) {
        List<String> errors = new ArrayList<>();
        if (name.length() > 63) {
            errors.add("must be no more than 63 characters");
        }
        if (!LABEL.matcher(name).matches()) {
            errors.add(LABEL_MSG);
        }
        return errors;
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
