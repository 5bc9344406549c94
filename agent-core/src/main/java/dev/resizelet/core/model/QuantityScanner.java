package dev.resizelet.core.model;

/** The scanner of apimachinery's {@code parseQuantityString}, character for character. */
final class QuantityScanner {

    record Parts(boolean positive, String num, String denom, String suffix) {
    }

    private static final String SUFFIX_CHARS = "eEinumkKMGTP";

    private QuantityScanner() {
    }

    static Parts scan(String str) {
        boolean positive = true;
        int pos = 0;
        int end = str.length();
        if (pos < end && (str.charAt(0) == '-' || str.charAt(0) == '+')) {
            positive = str.charAt(0) == '+';
            pos++;
        }
        while (pos < end && str.charAt(pos) == '0') {
            pos++;
        }
        if (pos >= end) {
            return new Parts(positive, "0", "", "");
        }
        int numStart = pos;
        while (pos < end && isDigit(str.charAt(pos))) {
            pos++;
        }
        String num = str.substring(numStart, pos);
        if (num.isEmpty()) {
            num = "0";
        }
        String denom = "";
        if (pos < end && str.charAt(pos) == '.') {
            pos++;
            int denomStart = pos;
            while (pos < end && isDigit(str.charAt(pos))) {
                pos++;
            }
            denom = str.substring(denomStart, pos);
        }
        int suffixStart = pos;
        while (pos < end && SUFFIX_CHARS.indexOf(str.charAt(pos)) >= 0) {
            pos++;
        }
        if (pos < end && (str.charAt(pos) == '-' || str.charAt(pos) == '+')) {
            pos++;
        }
        while (pos < end && isDigit(str.charAt(pos))) {
            pos++;
        }
        if (pos < end) {
            throw new QuantityFormatException(str, Quantity.ERR_FORMAT);
        }
        return new Parts(positive, num, denom, str.substring(suffixStart));
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
