package dev.resizelet.core.model;

/** Checks for names that become path segments (cgroup directories, checkpoint files, CRI names). */
final class SafeNames {

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

    /** True for an RFC 1123 label of at most 63 characters (the one set of name rules: validation's). */
    static boolean isDns1123Label(String s) {
        return dev.resizelet.core.validation.NameRules.dns1123Label(s).isEmpty();
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
