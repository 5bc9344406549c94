package dev.resizelet.core.model;

import dev.resizelet.core.model.Quantity.Format;
import java.util.Map;

/** A quantity suffix: base 10 or 2, its exponent, and the format it implies (apimachinery suffix.go). */
record Suffix(int base, int exponent, Format format) {

    private static final Map<String, Integer> DECIMAL = Map.of(
            "n", -9, "u", -6, "m", -3, "", 0, "k", 3, "M", 6, "G", 9, "T", 12, "P", 15, "E", 18);
    private static final Map<String, Integer> BINARY = Map.of(
            "Ki", 10, "Mi", 20, "Gi", 30, "Ti", 40, "Pi", 50, "Ei", 60);
    private static final String[] DECIMAL_BY_EXP3 = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
    private static final String[] BINARY_BY_EXP10 = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

    /** The suffix's meaning, or null when Kubernetes would answer "unable to parse quantity's suffix". */
    static Suffix interpret(String s) {
        Integer dec = DECIMAL.get(s);
        if (dec != null) {
            return new Suffix(10, dec, Format.DECIMAL_SI);
        }
        Integer bin = BINARY.get(s);
        if (bin != null) {
            return new Suffix(2, bin, Format.BINARY_SI);
        }
        if (s.length() > 1 && (s.charAt(0) == 'e' || s.charAt(0) == 'E')) {
            try {
                return new Suffix(10, Integer.parseInt(s.substring(1)), Format.DECIMAL_EXPONENT);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    /** Decimal SI suffix for an exponent that is a multiple of 3 in [-9, 18]. */
    static String decimal(int exponent) {
        return DECIMAL_BY_EXP3[exponent / 3 + 3];
    }

    /** Binary SI suffix for a power of 1024 in [0, 6]. */
    static String binary(int powerOf1024) {
        return BINARY_BY_EXP10[powerOf1024];
    }
}
