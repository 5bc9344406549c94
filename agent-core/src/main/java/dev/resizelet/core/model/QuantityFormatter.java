package dev.resizelet.core.model;

import dev.resizelet.core.model.Quantity.Format;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/** Kubernetes' {@code CanonicalizeBytes}: the canonical text of a value in a format. */
final class QuantityFormatter {

    private static final BigInteger TEN = BigInteger.TEN;
    private static final BigInteger K1024 = BigInteger.valueOf(1024);
    private static final int MAX_DECIMAL_SI_EXPONENT = 18;

    private QuantityFormatter() {
    }

    static String canonical(BigDecimal amount, Format requested) {
        if (amount.signum() == 0) {
            return "0";
        }
        Format format = requested;
        BigDecimal rounded = null;
        if (format == Format.BINARY_SI) {
            BigDecimal floor = Quantity.binaryFloor();
            if (amount.compareTo(floor.negate()) > 0 && amount.compareTo(floor) < 0) {
                format = Format.DECIMAL_SI;
            } else {
                rounded = amount.setScale(0, RoundingMode.UP);
                if (rounded.compareTo(amount) != 0) {
                    format = Format.DECIMAL_SI;
                }
            }
        }
        if (format == Format.BINARY_SI) {
            return binary(rounded.toBigIntegerExact());
        }
        return decimal(amount, format);
    }

    private static String binary(BigInteger value) {
        int power = 0;
        while (value.abs().compareTo(K1024) >= 0 && value.mod(K1024).signum() == 0) {
            value = value.divide(K1024);
            power++;
        }
        return value + Suffix.binary(power);
    }

    private static String decimal(BigDecimal amount, Format format) {
        BigInteger mantissa = amount.unscaledValue();
        int exponent = -amount.scale();
        while (mantissa.mod(TEN).signum() == 0) {
            mantissa = mantissa.divide(TEN);
            exponent++;
        }
        while (exponent % 3 != 0) {
            mantissa = mantissa.multiply(TEN);
            exponent--;
        }
        if (format == Format.DECIMAL_EXPONENT) {
            return exponent == 0 ? mantissa.toString() : mantissa + "e" + exponent;
        }
        // Kubernetes has no decimal SI suffix above E; it would drop the suffix. We keep E and scale
        // the mantissa so the text still means the same value.
        if (exponent > MAX_DECIMAL_SI_EXPONENT) {
            mantissa = mantissa.multiply(TEN.pow(exponent - MAX_DECIMAL_SI_EXPONENT));
            exponent = MAX_DECIMAL_SI_EXPONENT;
        }
        return mantissa + Suffix.decimal(exponent);
    }
}
