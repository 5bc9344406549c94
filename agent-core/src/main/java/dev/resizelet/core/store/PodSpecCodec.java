package dev.resizelet.core.store;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.resizelet.core.model.Pod;
import dev.resizelet.core.model.PodUid;
import dev.resizelet.core.model.Quantity;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The durable form of a desired pod spec: compact JSON of the model records (record components only,
 * quantities in their canonical Kubernetes form), so that a log can be read with any JSON tool.
 */
public final class PodSpecCodec implements StoreCodec<Pod> {
    private final ObjectMapper mapper;

    public PodSpecCodec() {
        SimpleModule module = new SimpleModule("resizelet-model")
                .addSerializer(Quantity.class, new ToStringSerializer<>())
                .addDeserializer(Quantity.class, new JsonDeserializer<>() {
                    @Override
                    public Quantity deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                        return Quantity.parse(p.getValueAsString());
                    }
                })
                .addSerializer(PodUid.class, new ToStringSerializer<>())
                .addDeserializer(PodUid.class, new JsonDeserializer<>() {
                    @Override
                    public PodUid deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                        return PodUid.of(p.getValueAsString());
                    }
                });
        this.mapper = new ObjectMapper()
                .registerModule(module)
                .setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
                .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
                .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    }

    @Override
    public byte[] encode(Pod pod) {
        try {
            return mapper.writeValueAsBytes(pod);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode pod " + pod.key(), e);
        }
    }

    @Override
    public Pod decode(byte[] bytes) {
        try {
            return mapper.readValue(bytes, Pod.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot decode a stored pod spec: " + e.getMessage(), e);
        }
    }

    private static final class ToStringSerializer<T> extends JsonSerializer<T> {
        @Override
        public void serialize(T value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeString(value.toString());
        }
    }
}
