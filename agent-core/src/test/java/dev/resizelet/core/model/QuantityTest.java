package dev.resizelet.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class QuantityTest {

    @ParameterizedTest(name = "{0} -> {1} (milli {2}, value {3})")
    @CsvSource(delimiter = '|', value = {
        "100m         | 100m                | 100           | 1",
        "0.1          | 100m                | 100           | 1",
        "1.5          | 1500m               | 1500          | 2",
        "1            | 1                   | 1000          | 1",
        "1000m        | 1                   | 1000          | 1",
        "1000         | 1k                  | 1000000       | 1000",
        "1k           | 1k                  | 1000000       | 1000",
        "1.5Gi        | 1536Mi              | 1610612736000 | 1610612736",
        "128974848    | 128974848           | 128974848000  | 128974848",
        "129e6        | 129e6               | 129000000000  | 129000000",
        "123Mi        | 123Mi               | 128974848000  | 128974848",
        "1Ki          | 1Ki                 | 1024000       | 1024",
        "8Ki          | 8Ki                 | 8192000       | 8192",
        "1024Ki       | 1Mi                 | 1048576000    | 1048576",
        "0.5Ki        | 512                 | 512000        | 512",
        "1.5Ki        | 1536                | 1536000       | 1536",
        "0.5Gi        | 512Mi               | 536870912000  | 536870912",
        "1e3          | 1e3                 | 1000000       | 1000",
        "1E3          | 1E3                 | 1000000       | 1000",
        "1000e0       | 1e3                 | 1000000       | 1000",
        "12e-1        | 1200e-3             | 1200          | 2",
        "1.5e3        | 1500                | 1500000       | 1500",
        "1E           | 1E                  | 9223372036854775807 | 1000000000000000000",
        "1Ei          | 1Ei                 | 9223372036854775807 | 1152921504606846976",
        "8Ei          | 9223372036854775807 | 9223372036854775807 | 9223372036854775807",
        "0.0001       | 100u                | 1             | 1",
        "1n           | 1n                  | 1             | 1",
        "0.1n         | 1n                  | 1             | 1",
        "0.5m         | 500u                | 1             | 1",
        "+1           | +1                  | 1000          | 1",
        "01           | 01                  | 1000          | 1",
        "-1           | -1                  | -1000         | -1",
        "-100m        | -100m               | -100          | 0",
        "1.           | 1.                  | 1000          | 1",
        "0            | 0                   | 0             | 0",
        "00           | 0                   | 0             | 0",
        ".            | 0                   | 0             | 0",
        "2M           | 2M                  | 2000000000    | 2000000",
        "3T           | 3T                  | 3000000000000000 | 3000000000000",
    })
    void parsesAndFormatsLikeKubernetes(String in, String canonical, long milli, long value) {
        Quantity q = Quantity.parse(in);

        assertThat(q.toString()).isEqualTo(canonical);
        assertThat(q.milliValue()).isEqualTo(milli);
        assertThat(q.value()).isEqualTo(value);
    }

    @ParameterizedTest(name = "\"{0}\" is rejected for its format")
    @ValueSource(strings = {"", "abc", "1 ", " 1", "1.1.M", "1+1.0M", "0.1am", "5KB", "1Gb", "1..0", "1e3e", "1KI"})
    void rejectsJunkWithTheRegexMessage(String in) {
        QuantityFormatException e = assertThrows(QuantityFormatException.class, () -> Quantity.parse(in));

        assertThat(e.getMessage()).isEqualTo(
                "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
        assertThat(e.input()).isEqualTo(in);
    }

    @ParameterizedTest(name = "\"{0}\" is rejected for its suffix")
    @ValueSource(strings = {"1mi", "0.1mi", "1i", "1e", "-3.01e-", "1Mii", "1k8", ".5i", "--1"})
    void rejectsUnknownSuffixes(String in) {
        QuantityFormatException e = assertThrows(QuantityFormatException.class, () -> Quantity.parse(in));

        assertThat(e.getMessage()).isEqualTo("unable to parse quantity's suffix");
    }

    @ParameterizedTest(name = "{0} == {1}")
    @CsvSource({"1,1000m", "1Ki,1024", "0.5,500m", "1e3,1k", "129e6,129M", "1Gi,1073741824", "0,0m"})
    void equalValuesAreEqual(String a, String b) {
        Quantity qa = Quantity.parse(a);
        Quantity qb = Quantity.parse(b);

        assertThat(qa).isEqualTo(qb);
        assertThat(qa.compareTo(qb)).isZero();
        assertThat(qa.hashCode()).isEqualTo(qb.hashCode());
    }

    @ParameterizedTest(name = "{0} < {1}")
    @CsvSource({"999m,1", "1G,1Gi", "100Mi,0.1Gi", "-1,0", "1n,1u"})
    void ordersByValue(String smaller, String larger) {
        assertThat(Quantity.parse(smaller)).isLessThan(Quantity.parse(larger));
        assertThat(Quantity.parse(smaller)).isNotEqualTo(Quantity.parse(larger));
    }

    @Test
    void factoriesFormatCanonically() {
        assertThat(Quantity.ofMillis(1500)).hasToString("1500m");
        assertThat(Quantity.ofMillis(2000)).hasToString("2");
        assertThat(Quantity.ofBytes(134217728)).hasToString("128Mi");
        assertThat(Quantity.ofBytes(1000)).hasToString("1k");
        assertThat(Quantity.of(4)).hasToString("4");
        assertThat(Quantity.ofBytes(1610612736).value()).isEqualTo(1610612736L);
    }

    @Test
    void hugeExponentsSaturateInsteadOfOverflowing() {
        Quantity q = Quantity.parse("1e30");

        assertThat(q.value()).isEqualTo(Long.MAX_VALUE);
        assertThat(q.milliValue()).isEqualTo(Long.MAX_VALUE);
        assertThat(q).hasToString("1e30");
    }

    @Test
    void equalTextsShareOneInstanceWhileEachTextKeepsItsOwnForm() {
        assertThat(Quantity.parse("128Mi")).isSameAs(Quantity.parse("128Mi"));
        assertThat(Quantity.ofMillis(250)).isSameAs(Quantity.ofMillis(250));
        assertThat(Quantity.ofBytes(1L << 27)).isSameAs(Quantity.ofBytes(1L << 27));
        // equal values written differently stay apart: each prints as Kubernetes prints its own input
        Quantity binary = Quantity.parse("128Mi");
        Quantity decimal = Quantity.parse("134217728");
        assertThat(binary).isEqualTo(decimal).isNotSameAs(decimal);
        assertThat(binary.toString()).isEqualTo("128Mi");
        assertThat(decimal.toString()).isEqualTo("134217728");
        assertThat(Quantity.parse("1000m").toString()).isEqualTo("1");
    }
}
