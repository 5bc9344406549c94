package dev.resizelet.core.model;

/** Checks for names that become path segments (cgroup directories, checkpoint files, CRI names). */
final class SafeNames {

    static final String DNS1123_LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric"
            + " characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', "
            + " or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    private SafeNames() {
    }

    /** Null when {@code uid} is a safe single path segment, else why not. */
    static String uidProblem(String uid, int maxLength) {
        if (uid.isEmpty()) {
            return "must not be empty";
        }
        if (uid.length() > maxLength) {
            return "must be no more than " + maxLength + " characters";
        }
        if (uid.charAt(0) == '.' || uid.contains("..")) {
            return "must not start with '.' or contain '..'";
        }
        for (int i = 0; i < uid.length(); i++) {
            char c = uid.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.';
            if (!ok) {
                return "must consist of alphanumeric characters, '-', '_' or '.'";
            }
        }
        return null;
    }

    /** True for an RFC 1123 label of at most 63 characters: {@code [a-z0-9]([-a-z0-9]*[a-z0-9])?}. */
    static boolean isDns1123Label(String s) {
        if (s.isEmpty() || s.length() > 63) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            boolean edge = i == 0 || i == s.length() - 1;
            if (!alnum && (edge || c != '-')) {
                return false;
            }
        }
        return true;
    }

    /** The value with control characters escaped, for messages. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
