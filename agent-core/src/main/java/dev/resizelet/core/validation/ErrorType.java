package dev.resizelet.core.validation;

/** apimachinery's field.ErrorType: the text it prints and the Status cause reason it maps to. */
public enum ErrorType {
    REQUIRED("Required value", "FieldValueRequired"),
    FORBIDDEN("Forbidden", "FieldValueForbidden"),
    INVALID("Invalid value", "FieldValueInvalid"),
    NOT_SUPPORTED("Unsupported value", "FieldValueNotSupported"),
    DUPLICATE("Duplicate value", "FieldValueDuplicate"),
    TOO_LONG("Too long", "FieldValueTooLong");

    private final String text;
    private final String causeReason;

    ErrorType(String text, String causeReason) {
        this.text = text;
        this.causeReason = causeReason;
    }

    /** e.g. {@code Invalid value}. */
    public String text() {
        return text;
    }

    /** {@code details.causes[].reason} in a 422 Status, e.g. {@code FieldValueInvalid}. */
    public String causeReason() {
        return causeReason;
    }

    /** Types printed without their bad value, as apimachinery does. */
    boolean omitsValue() {
        return this == REQUIRED || this == FORBIDDEN || this == TOO_LONG;
    }
}
