package dev.resizelet.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Cases from apimachinery's labels/selector_test.go (TestSelectorMatches, TestSelectorParse, lexer errors). */
class LabelSelectorTest {
    private static final Map<String, String> LABELS = Map.of("app", "web", "tier", "front", "n", "5", "empty", "");

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "''                      | true",
            "app=web                 | true",
            "app==web                | true",
            "app!=web                | false",
            "app=db                  | false",
            "app!=db                 | true",
            "missing!=x              | true",
            "app                     | true",
            "missing                 | false",
            "!missing                | true",
            "!app                    | false",
            "app in (web,db)         | true",
            "app in (db)             | false",
            "app notin (db)          | true",
            "app notin (web)         | false",
            "missing notin (web)     | true",
            "missing in (web)        | false",
            "app=web,tier=front      | true",
            "app=web,tier=back       | false",
            "app=web, tier in (front, back), !missing | true",
            "'  app  =  web  '       | true",
            "empty=                  | true",
            "empty in ()             | true",
            "empty in (,x)           | true",
            "n>4                     | true",
            "n<5                     | false",
            "x in (in,notin),app=web | false",
            "app in (in,web)         | true",
    })
    void matchesLikeTheApiserver(String selector, boolean expected) {
        assertThat(LabelSelector.parse(selector).matches(LABELS)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "app in (web                 | unable to parse requirement: found '', expected: ',' or ')'",
            "app in web                  | unable to parse requirement: found 'web' expected: '('",
            "app web                     | unable to parse requirement: found 'web', expected: in, notin, =, ==, !=, gt, lt",
            "=web                        | found '=', expected: !, identifier, or 'end of string'",
            "app=web,                    | found '', expected: identifier after ','",
            "app=web)                    | found ')', expected: ',' or 'end of string'",
            "!app=web                    | found '=', expected: ',' or 'end of string'",
            "app=(web)                   | unable to parse requirement: found '(', expected: identifier",
            "n>x                         | unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer",
            "-app=web                    | unable to parse requirement: <nil>: Invalid value: \"-app\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
            "app=-web                    | unable to parse requirement: values[0][app]: Invalid value: \"-web\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
            "Example.com/app=web         | unable to parse requirement: <nil>: Invalid value: \"Example.com/app\": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    })
    void refusesWhatTheApiserverRefusesWithItsMessage(String selector, String message) {
        LabelSelector.SelectorException e = assertThrows(LabelSelector.SelectorException.class, () -> LabelSelector.parse(selector));

        assertThat(e.getMessage()).isEqualTo(message);
    }
}
