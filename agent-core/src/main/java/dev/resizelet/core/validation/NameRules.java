package dev.resizelet.core.validation;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** apimachinery's IsDNS1123Label / IsDNS1123Subdomain with their messages. */
public final class NameRules {

    public static final String LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric"
            + " characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', "
            + " or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    public static final String SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case"
            + " alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
            + " (e.g. 'example.com', regex used for validation is"
            + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern SUBDOMAIN = Pattern.compile(
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private NameRules() {
    }

    /** Messages for a DNS-1123 label (max 63), empty when valid. */
    public static List<String> dns1123Label(String value) {
        List<String> msgs = new ArrayList<>();
        if (value.length() > 63) {
            msgs.add("must be no more than 63 characters");
        }
        if (!LABEL.matcher(value).matches()) {
            msgs.add(LABEL_MSG);
        }
        return msgs;
    }

    /** Messages for a DNS-1123 subdomain (max 253), empty when valid. */
    public static List<String> dns1123Subdomain(String value) {
        List<String> msgs = new ArrayList<>();
        if (value.length() > 253) {
            msgs.add("must be no more than 253 characters");
        }
        if (!SUBDOMAIN.matcher(value).matches()) {
            msgs.add(SUBDOMAIN_MSG);
        }
        return msgs;
    }

    static void label(String value, FieldPath path, List<FieldError> errs) {
        for (String msg : dns1123Label(value)) {
            errs.add(FieldError.invalid(path, value, msg));
        }
    }

    static void subdomain(String value, FieldPath path, List<FieldError> errs) {
        for (String msg : dns1123Subdomain(value)) {
            errs.add(FieldError.invalid(path, value, msg));
        }
    }
}
