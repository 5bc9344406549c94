package dev.resizelet.core.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The names' scans accept exactly what apimachinery's regexes accept. */
class NameRulesTest {
    private static final String ALPHABET = "az09-.A_é";

    @Test
    void theScansMatchTheRegexesOnEveryShortName() {
        SplittableRandom random = new SplittableRandom(1123);
        int labels = 0;
        int subdomains = 0;
        for (int n = 0; n < 50_000; n++) {
            StringBuilder b = new StringBuilder();
            for (int len = random.nextInt(9); len > 0; len--) {
                b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            String s = b.toString();
            boolean label = NameRules.LABEL.matcher(s).matches();
            boolean subdomain = NameRules.SUBDOMAIN.matcher(s).matches();
            assertThat(NameRules.isLabel(s, 0, s.length())).as("label %s", s).isEqualTo(label);
            assertThat(NameRules.isSubdomain(s)).as("subdomain %s", s).isEqualTo(subdomain);
            labels += label ? 1 : 0;
            subdomains += subdomain ? 1 : 0;
        }
        // both sides of each rule were drawn
        assertThat(labels).isGreaterThan(1_000);
        assertThat(subdomains).isGreaterThan(labels);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a", "-", ".", "a.", ".a", "a..b", "a-.b", "a.-b", "web-0", "web.example.com", "Web",
        "a_b", "0", "a-", "-a", "é"})
    void edgeCasesAgreeWithTheRegexes(String s) {
        assertThat(NameRules.dns1123Label(s).isEmpty()).isEqualTo(NameRules.LABEL.matcher(s).matches());
        assertThat(NameRules.dns1123Subdomain(s).isEmpty()).isEqualTo(NameRules.SUBDOMAIN.matcher(s).matches());
    }
}
