package dev.resizelet.cri;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.DiscardUnknownFieldsParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.InputStream;

/**
 * Reads an answer as a message that declares only some of the wire's fields, dropping the others while parsing
 * (protobuf's {@link DiscardUnknownFieldsParser}) rather than keeping them as unknown fields.
 */
final class DiscardingMarshaller<T extends Message> implements MethodDescriptor.Marshaller<T> {
    private final Parser<T> parser;

    DiscardingMarshaller(Parser<T> parser) {
        this.parser = DiscardUnknownFieldsParser.wrap(requireNonNull(parser, "parser"));
    }

    @Override
    public InputStream stream(T value) {
        return value.toByteString().newInput();
    }

    @Override
    public T parse(InputStream stream) {
        try {
            return parser.parseFrom(stream);
        } catch (InvalidProtocolBufferException e) {
            throw Status.INTERNAL.withDescription("Invalid protobuf byte sequence").withCause(e).asRuntimeException();
        }
    }
}
