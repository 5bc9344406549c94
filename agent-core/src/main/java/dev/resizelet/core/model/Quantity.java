package dev.resizelet.core.model;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.Objects;

/**
 * A Kubernetes resource quantity with the semantics of apimachinery's {@code resource.Quantity}.
 *
 * <p>Parsing follows {@code ParseQuantity} exactly: decimal SI suffixes ({@code n u m "" k M G T P E}),
 * binary SI ({@code Ki .. Ei}), exponents ({@code e3}, {@code E-3}), values rounded up (away from
 * zero) to nano units, binary values capped at 2^63-1. {@link #toString()} is Kubernetes'
 * {@code String()}: the input text when the parser deems it canonical, otherwise the canonical form
 * (largest suffix of the original format without fractional digits: {@code 1.5 -> 1500m},
 * {@code 1.5Gi -> 1536Mi}).
 *
 * <p>Equality and ordering are by value ({@code 1 == 1000m}), like {@code Quantity.Cmp}. The value is
 * kept as a {@link BigDecimal}; {@link #milliValue()} and {@link #value()} are precomputed longs so
 * the admission hot path never touches BigDecimal. A final class rather than a record because
 * equality deliberately ignores the format and the text.
 */
public final class Quantity implements Comparable<Quantity> {

    /** How a quantity is written back out; remembered from the parsed suffix. */
    public enum Format { DECIMAL_EXPONENT, BINARY_SI, DECIMAL_SI }

    public static final String ERR_FORMAT =
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
    public static final String ERR_SUFFIX = "unable to parse quantity's suffix";

    private static final BigDecimal MAX_ALLOWED = BigDecimal.valueOf(Long.MAX_VALUE);
    private static final BigDecimal MIN_LONG = BigDecimal.valueOf(Long.MIN_VALUE);
    private static final BigDecimal BINARY_FLOOR = BigDecimal.valueOf(1024);
    private static final int NANO_SCALE = 9;
    private static final int MAX_INT64_FACTORS = 18;

    /** Zero, printed "0". Declared after the constants its constructor uses. */
    public static final Quantity ZERO = new Quantity(BigDecimal.ZERO, Format.DECIMAL_SI, "0");

    private final BigDecimal amount;
    private final Format format;
    /**
     * Kubernetes' {@code String()}, computed on first use (most quantities are compared, never printed, and
     * the canonical form costs BigInteger arithmetic). A racy single-check cache like {@code String.hash}:
     * every thread computes the same immutable String, so a lost race only repeats the work.
     */
    private String text;
    private final long milli;
    private final long whole;

    private Quantity(BigDecimal amount, Format format, String text) {
        this.amount = amount;
        this.format = format;
        this.text = text;
        this.milli = saturatedCeil(amount.movePointRight(3));
        this.whole = saturatedCeil(amount);
    }

    /**
     * Quantities are immutable values and a node's pods use few distinct ones ("100m", "128Mi"): the same text or
     * number yields one shared instance, so 10,000 pods do not keep 10,000 copies of each (heap per pod). Bounded: once
     * full, new values are made fresh and not remembered.
     */
    private static final int SHARED_MAX = 8192;
    private static final java.util.concurrent.ConcurrentHashMap<String, Quantity> PARSED =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.concurrent.ConcurrentHashMap<Long, Quantity> MILLIS =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.concurrent.ConcurrentHashMap<Long, Quantity> BYTES =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.concurrent.ConcurrentHashMap<Long, Quantity> WHOLE =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static <K> Quantity shared(java.util.concurrent.ConcurrentHashMap<K, Quantity> cache, K key,
            java.util.function.Function<K, Quantity> make) {
        Quantity q = cache.get(key);
        if (q != null) {
            return q;
        }
        q = make.apply(key);
        if (cache.size() < SHARED_MAX) {
            Quantity raced = cache.putIfAbsent(key, q);
            return raced != null ? raced : q;
        }
        return q;
    }

    /** Parses {@code text} like Kubernetes; throws {@link QuantityFormatException} with its message. */
    public static Quantity parse(String text) {
        Objects.requireNonNull(text, "quantity text");
        return shared(PARSED, text, Quantity::parseFresh);
    }

    private static Quantity parseFresh(String text) {
        if (text.isEmpty()) {
            throw new QuantityFormatException(text, ERR_FORMAT);
        }
        if (text.equals("0")) {
            return ZERO;
        }
        QuantityScanner.Parts parts = QuantityScanner.scan(text);
        Suffix suffix = Suffix.interpret(parts.suffix());
        if (suffix == null) {
            throw new QuantityFormatException(text, ERR_SUFFIX);
        }
        String digits = parts.denom().isEmpty() ? parts.num() : parts.num() + parts.denom();
        BigDecimal magnitude = digits.length() <= MAX_INT64_FACTORS
                ? BigDecimal.valueOf(Long.parseLong(digits), parts.denom().length())
                : new BigDecimal(new BigInteger(digits), parts.denom().length());
        if (suffix.base() == 10) {
            magnitude = magnitude.scaleByPowerOfTen(suffix.exponent());
        } else if (suffix.exponent() < Long.SIZE - 1) {
            magnitude = magnitude.multiply(BigDecimal.valueOf(1L << suffix.exponent()));
        } else {
            magnitude = magnitude.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(suffix.exponent())));
        }
        if (magnitude.signum() != 0 && magnitude.scale() > NANO_SCALE) {
            magnitude = magnitude.setScale(NANO_SCALE, RoundingMode.UP);
        }
        Format format = suffix.format();
        if (format == Format.BINARY_SI && magnitude.compareTo(MAX_ALLOWED) > 0) {
            magnitude = MAX_ALLOWED;
        }
        if (format == Format.BINARY_SI && magnitude.signum() > 0 && magnitude.compareTo(BigDecimal.ONE) < 0) {
            format = Format.DECIMAL_SI;
        }
        BigDecimal amount = parts.positive() ? magnitude : magnitude.negate();
        String kept = keepsOriginalText(parts, suffix) ? text : null;
        return new Quantity(amount, format, kept);
    }

    /**
     * Mirrors ParseQuantity's fast path: it remembers the input string only when the value fits an
     * int64 with scale >= nano and the digits look canonical. This is why {@code "+1"} prints as
     * {@code "+1"} but {@code "1000m"} prints as {@code "1"}.
     */
    private static boolean keepsOriginalText(QuantityScanner.Parts parts, Suffix suffix) {
        String num = parts.num();
        String denom = parts.denom();
        String shifted = num + denom;
        if (suffix.format() == Format.BINARY_SI) {
            if (!denom.isEmpty()) {
                return false;
            }
            int precision = 15 - num.length() - (int) ((float) suffix.exponent() * 3 / 10) - 1;
            if (precision < 0) {
                return false;
            }
            long value = Long.parseLong(shifted);
            if (Long.numberOfLeadingZeros(value) <= suffix.exponent()) {
                return false; // value << exponent overflows: the slow path, no cached text
            }
            return suffix.exponent() % 10 == 0 && (value & 0x07) != 0;
        }
        if (MAX_INT64_FACTORS - shifted.length() < 0) {
            return false;
        }
        int scale = suffix.exponent() - denom.length();
        if (scale < -NANO_SCALE) {
            return false;
        }
        return scale % 3 == 0 && !shifted.endsWith("000") && shifted.charAt(0) != '0';
    }

    /** Cpu-style quantity from millicores, e.g. {@code ofMillis(1500) -> "1500m"}. */
    public static Quantity ofMillis(long millis) {
        return shared(MILLIS, millis, m -> new Quantity(BigDecimal.valueOf(m, 3), Format.DECIMAL_SI, null));
    }

    /** Memory-style quantity from bytes, e.g. {@code ofBytes(134217728) -> "128Mi"}. */
    public static Quantity ofBytes(long bytes) {
        return shared(BYTES, bytes, b -> new Quantity(BigDecimal.valueOf(b), Format.BINARY_SI, null));
    }

    /** A whole number in decimal SI, e.g. {@code of(2) -> "2"}. */
    public static Quantity of(long value) {
        return shared(WHOLE, value, v -> new Quantity(BigDecimal.valueOf(v), Format.DECIMAL_SI, null));
    }

    /** ceil(q * 1000), saturated to the long range (Kubernetes' MilliValue). */
    public long milliValue() {
        return milli;
    }

    /** ceil(q), saturated to the long range (Kubernetes' Value), e.g. bytes of memory. */
    public long value() {
        return whole;
    }

    public BigDecimal amount() {
        return amount;
    }

    public Format format() {
        return format;
    }

    public int signum() {
        return amount.signum();
    }

    public boolean isZero() {
        return amount.signum() == 0;
    }

    @Override
    public int compareTo(Quantity other) {
        return amount.compareTo(other.amount);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Quantity q && amount.compareTo(q.amount) == 0;
    }

    /**
     * Equal and written the same way: {@link #equals} compares values only, so {@code 134217728} equals {@code 128Mi}
     * though the two print differently. A quantity that is shown or stored may be replaced by one with the same text
     * without changing a byte.
     */
    public boolean sameText(Quantity other) {
        return this == other || other != null && format == other.format && equals(other)
                && toString().equals(other.toString());
    }

    @Override
    public int hashCode() {
        return amount.signum() == 0 ? 0 : amount.stripTrailingZeros().hashCode();
    }

    /** Kubernetes' {@code String()}. */
    @Override
    public String toString() {
        String t = text;
        if (t == null) {
            t = QuantityFormatter.canonical(amount, format);
            text = t;
        }
        return t;
    }

    private static long saturatedCeil(BigDecimal v) {
        if (v.compareTo(MAX_ALLOWED) >= 0) {
            return Long.MAX_VALUE;
        }
        if (v.compareTo(MIN_LONG) <= 0) {
            return Long.MIN_VALUE;
        }
        return v.setScale(0, RoundingMode.CEILING).longValueExact();
    }

    static BigDecimal binaryFloor() {
        return BINARY_FLOOR;
    }
}
