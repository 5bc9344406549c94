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

    /** The label regex of the messages, for reference; {@link #isLabel} matches the same strings without it. */
    static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    /** The subdomain regex of the messages; {@link #isSubdomain} matches the same strings without it. */
    static final Pattern SUBDOMAIN = Pattern.compile(
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private NameRules() {
    }

    /** Messages for a DNS-1123 label (max 63), empty when valid. */
    public static List<String> dns1123Label(String value) {
        List<String> msgs = new ArrayList<>();
        if (value.length() > 63) {
            msgs.add("must be no more than 63 characters");
        }
        if (!isLabel(value, 0, value.length())) {
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
        if (!isSubdomain(value)) {
            msgs.add(SUBDOMAIN_MSG);
        }
        return msgs;
    }

    /**
     * {@code value[from, to)} matches {@link #LABEL}: lower-case alphanumerics and '-', an alphanumeric at both ends.
     * A scan, not the regex: every pod update validates its names again (a resize storm matched thousands a second).
     */
    static boolean isLabel(String value, int from, int to) {
        if (from >= to || !isAlphanumeric(value.charAt(from)) || !isAlphanumeric(value.charAt(to - 1))) {
            return false;
        }
        for (int i = from + 1; i < to - 1; i++) {
            char c = value.charAt(i);
            if (c != '-' && !isAlphanumeric(c)) {
                return false;
            }
        }
        return true;
    }

    /** {@code value} matches {@link #SUBDOMAIN}: labels joined by single dots. */
    static boolean isSubdomain(String value) {
        int start = 0;
        for (int dot = value.indexOf('.'); dot >= 0; dot = value.indexOf('.', start)) {
            if (!isLabel(value, start, dot)) {
                return false;
            }
            start = dot + 1;
        }
        return isLabel(value, start, value.length());
    }

    private static boolean isAlphanumeric(char c) {
        return c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
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
