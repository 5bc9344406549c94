package dev.resizelet.core.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BinaryOutTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "cpu", "250m", "example.com/gpu", "caf\u00e9", "\u65e5\u672c", "\u007f\u0080", "a\ud83d\ude00b"})
    void aStringIsItsUtf8LengthAndBytesAsciiOrNotAndReadsBack(String s) throws IOException {
        byte[] written = new BinaryOut(16).writeString(s).writeString(null).writeString("end").toByteArray();

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(expected);
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        d.writeInt(utf8.length);
        d.write(utf8);
        d.writeInt(-1);
        d.writeInt(3);
        d.write("end".getBytes(StandardCharsets.UTF_8));
        assertThat(written).isEqualTo(expected.toByteArray());

        BinaryIn in = new BinaryIn(written, 0);
        assertThat(in.readString()).isEqualTo(s);
        assertThat(in.readString()).isNull();
        assertThat(in.readString()).isEqualTo("end");
    }
}
