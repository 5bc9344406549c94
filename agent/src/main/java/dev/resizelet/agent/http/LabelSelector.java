package dev.resizelet.agent.http;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A label selector parsed as the apiserver parses {@code ?labelSelector=} (apimachinery {@code labels.Parse}):
 * equality ({@code k=v}, {@code k==v}, {@code k!=v}), sets ({@code k in (a,b)}, {@code k notin (a,b)}),
 * existence ({@code k}, {@code !k}) and {@code k>N}, {@code k<N}; keys and values checked with the label rules.
 * A selector that does not parse throws {@link SelectorException} with the apiserver's message.
 */
public record LabelSelector(List<Requirement> requirements) {

    public LabelSelector {
        requirements = List.copyOf(requirements);
    }

    public static final LabelSelector EVERYTHING = new LabelSelector(List.of());

    /** The selector's operators, as apimachinery's {@code selection.Operator}. */
    public enum Operator { IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, EXISTS, DOES_NOT_EXIST, GREATER_THAN, LESS_THAN }

    /** One requirement: key, operator and values (sorted, as a Go string set). */
    public record Requirement(String key, Operator operator, List<String> values) {
        public Requirement {
            values = List.copyOf(values);
        }

        boolean matches(Map<String, String> labels) {
            String value = labels.get(key);
            boolean has = labels.containsKey(key);
            return switch (operator) {
                case IN, EQUALS, DOUBLE_EQUALS -> has && values.contains(value);
                case NOT_IN, NOT_EQUALS -> !has || !values.contains(value);
                case EXISTS -> has;
                case DOES_NOT_EXIST -> !has;
                case GREATER_THAN, LESS_THAN -> {
                    if (!has) {
                        yield false;
                    }
                    try {
                        long actual = Long.parseLong(value);
                        long bound = Long.parseLong(values.get(0));
                        yield operator == Operator.GREATER_THAN ? actual > bound : actual < bound;
                    } catch (NumberFormatException e) {
                        yield false;
                    }
                }
            };
        }
    }

    /** Thrown for a selector that does not parse; the message is the apiserver's. */
    public static final class SelectorException extends RuntimeException {
        SelectorException(String message) {
            super(message);
        }
    }

    public boolean matches(Map<String, String> labels) {
        for (Requirement r : requirements) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    public boolean isEmpty() {
        return requirements.isEmpty();
    }

    /** Parses {@code selector}; null or blank selects everything. */
    public static LabelSelector parse(String selector) {
        if (selector == null) {
            return EVERYTHING;
        }
        List<Requirement> out = new Parser(selector).parse();
        out.sort(Comparator.comparing(Requirement::key));
        return new LabelSelector(out);
    }

    // ---------------------------------------------------------------- lexer

    private enum Token { ERROR, END, CLOSED_PAR, COMMA, NOT, DOUBLE_EQUALS, EQUALS, GREATER, IDENTIFIER, IN, LESS,
        NOT_EQUALS, NOT_IN, OPEN_PAR }

    private record Item(Token token, String literal) {}

    private static Token keyword(String s) {
        return switch (s) {
            case ")" -> Token.CLOSED_PAR;
            case "," -> Token.COMMA;
            case "!" -> Token.NOT;
            case "==" -> Token.DOUBLE_EQUALS;
            case "=" -> Token.EQUALS;
            case ">" -> Token.GREATER;
            case "in" -> Token.IN;
            case "<" -> Token.LESS;
            case "!=" -> Token.NOT_EQUALS;
            case "notin" -> Token.NOT_IN;
            case "(" -> Token.OPEN_PAR;
            default -> null;
        };
    }

    private static boolean whitespace(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static boolean special(char c) {
        return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
    }

    private static List<Item> lex(String s) {
        List<Item> items = new ArrayList<>();
        int pos = 0;
        while (true) {
            while (pos < s.length() && whitespace(s.charAt(pos))) {
                pos++;
            }
            if (pos >= s.length()) {
                items.add(new Item(Token.END, ""));
                return items;
            }
            char c = s.charAt(pos);
            if (special(c)) {
                StringBuilder buffer = new StringBuilder();
                Item last = null;
                while (pos < s.length() && special(s.charAt(pos))) {
                    buffer.append(s.charAt(pos));
                    Token t = keyword(buffer.toString());
                    if (t != null) {
                        last = new Item(t, buffer.toString());
                        pos++;
                    } else if (last != null) {
                        break;
                    } else {
                        pos++;
                    }
                }
                items.add(last != null ? last : new Item(Token.ERROR, "error expected: keyword found '" + buffer + "'"));
            } else {
                int start = pos;
                while (pos < s.length() && !special(s.charAt(pos)) && !whitespace(s.charAt(pos))) {
                    pos++;
                }
                String word = s.substring(start, pos);
                Token t = keyword(word);
                items.add(new Item(t != null ? t : Token.IDENTIFIER, word));
            }
        }
    }

    // ---------------------------------------------------------------- parser

    private static final class Parser {
        private final List<Item> items;
        private int position;

        Parser(String selector) {
            this.items = lex(selector);
        }

        /** In a value position, "in" and "notin" are plain identifiers. */
        private Item lookahead(boolean values) {
            Item item = items.get(position);
            if (values && (item.token() == Token.IN || item.token() == Token.NOT_IN)) {
                return new Item(Token.IDENTIFIER, item.literal());
            }
            return item;
        }

        private Item consume(boolean values) {
            Item item = lookahead(values);
            position++;
            return item;
        }

        List<Requirement> parse() {
            List<Requirement> requirements = new ArrayList<>();
            while (true) {
                Item next = lookahead(true);
                switch (next.token()) {
                    case IDENTIFIER, NOT -> {
                        try {
                            requirements.add(requirement());
                        } catch (SelectorException e) {
                            throw new SelectorException("unable to parse requirement: " + e.getMessage());
                        }
                        Item after = consume(true);
                        switch (after.token()) {
                            case END -> {
                                return requirements;
                            }
                            case COMMA -> {
                                Item t2 = lookahead(true);
                                if (t2.token() != Token.IDENTIFIER && t2.token() != Token.NOT) {
                                    throw new SelectorException("found '" + t2.literal() + "', expected: identifier after ','");
                                }
                            }
                            default -> throw new SelectorException("found '" + after.literal()
                                    + "', expected: ',' or 'end of string'");
                        }
                    }
                    case END -> {
                        return requirements;
                    }
                    default -> throw new SelectorException("found '" + next.literal()
                            + "', expected: !, identifier, or 'end of string'");
                }
            }
        }

        private Requirement requirement() {
            Operator operator = null;
            Item item = consume(true);
            if (item.token() == Token.NOT) {
                operator = Operator.DOES_NOT_EXIST;
                item = consume(true);
            }
            if (item.token() != Token.IDENTIFIER) {
                throw new SelectorException("found '" + item.literal() + "', expected: identifier");
            }
            String key = item.literal();
            List<String> keyErrors = LabelRules.keyErrors(key);
            if (!keyErrors.isEmpty()) {
                throw new SelectorException("<nil>: Invalid value: " + LabelRules.quote(key) + ": " + String.join("; ", keyErrors));
            }
            Token next = lookahead(true).token();
            if (operator == null && (next == Token.END || next == Token.COMMA)) {
                operator = Operator.EXISTS;
            }
            if (operator != null) {
                // '!key' ends the requirement whatever follows; the caller then expects ',' or the end
                return new Requirement(key, operator, List.of());
            }
            operator = binaryOperator();
            TreeSet<String> values = switch (operator) {
                case IN, NOT_IN -> setValues();
                default -> exactValue();
            };
            return validated(key, operator, List.copyOf(values));
        }

        private Operator binaryOperator() {
            Item item = consume(false);
            return switch (item.token()) {
                case IN -> Operator.IN;
                case EQUALS -> Operator.EQUALS;
                case DOUBLE_EQUALS -> Operator.DOUBLE_EQUALS;
                case GREATER -> Operator.GREATER_THAN;
                case LESS -> Operator.LESS_THAN;
                case NOT_IN -> Operator.NOT_IN;
                case NOT_EQUALS -> Operator.NOT_EQUALS;
                default -> throw new SelectorException("found '" + item.literal() + "', expected: in, notin, =, ==, !=, gt, lt");
            };
        }

        private TreeSet<String> setValues() {
            Item item = consume(true);
            if (item.token() != Token.OPEN_PAR) {
                throw new SelectorException("found '" + item.literal() + "' expected: '('");
            }
            Item next = lookahead(true);
            switch (next.token()) {
                case IDENTIFIER, COMMA -> {
                    TreeSet<String> s = identifiers();
                    if (consume(true).token() != Token.CLOSED_PAR) {
                        throw new SelectorException("found '" + next.literal() + "', expected: ')'");
                    }
                    return s;
                }
                case CLOSED_PAR -> {
                    consume(true);
                    return new TreeSet<>(List.of(""));
                }
                default -> throw new SelectorException("found '" + next.literal() + "', expected: ',', ')' or identifier");
            }
        }

        private TreeSet<String> identifiers() {
            TreeSet<String> s = new TreeSet<>();
            while (true) {
                Item item = consume(true);
                switch (item.token()) {
                    case IDENTIFIER -> {
                        s.add(item.literal());
                        Item t2 = lookahead(true);
                        switch (t2.token()) {
                            case COMMA -> { }
                            case CLOSED_PAR -> {
                                return s;
                            }
                            default -> throw new SelectorException("found '" + t2.literal() + "', expected: ',' or ')'");
                        }
                    }
                    case COMMA -> {
                        if (s.isEmpty()) {
                            s.add("");
                        }
                        Token t2 = lookahead(true).token();
                        if (t2 == Token.CLOSED_PAR) {
                            s.add("");
                            return s;
                        }
                        if (t2 == Token.COMMA) {
                            s.add("");
                        }
                    }
                    default -> throw new SelectorException("found '" + item.literal() + "', expected: ',', or identifier");
                }
            }
        }

        private TreeSet<String> exactValue() {
            Token t = lookahead(true).token();
            if (t == Token.END || t == Token.COMMA) {
                return new TreeSet<>(List.of(""));
            }
            Item item = consume(true);
            if (item.token() == Token.IDENTIFIER) {
                return new TreeSet<>(List.of(item.literal()));
            }
            throw new SelectorException("found '" + item.literal() + "', expected: identifier");
        }

        /** apimachinery's {@code NewRequirement} checks on the values. */
        private static Requirement validated(String key, Operator operator, List<String> values) {
            List<String> errors = new ArrayList<>();
            if (operator == Operator.GREATER_THAN || operator == Operator.LESS_THAN) {
                for (int i = 0; i < values.size(); i++) {
                    try {
                        Long.parseLong(values.get(i));
                    } catch (NumberFormatException e) {
                        errors.add("values[" + i + "]: Invalid value: " + LabelRules.quote(values.get(i))
                                + ": for 'Gt', 'Lt' operators, the value must be an integer");
                    }
                }
            }
            for (int i = 0; i < values.size(); i++) {
                List<String> valueErrors = LabelRules.valueErrors(values.get(i));
                if (!valueErrors.isEmpty()) {
                    errors.add("values[" + i + "][" + key + "]: Invalid value: " + LabelRules.quote(values.get(i)) + ": "
                            + String.join("; ", valueErrors));
                }
            }
            if (errors.size() == 1) {
                throw new SelectorException(errors.get(0));
            }
            if (!errors.isEmpty()) {
                throw new SelectorException("[" + String.join(", ", errors) + "]");
            }
            return new Requirement(key, operator, values);
        }
    }
}
