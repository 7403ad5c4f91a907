package ignis.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

class F32FormatTest extends FormatContractTest {

    @Override
    GGMLType type() {
        return GGMLType.F32;
    }

    @Test
    void valuesAreLittleEndianIeeeFloats() {
        // 1.0f = 0x3F800000, -2.5f = 0xC0200000, stored low byte first.
        byte[] bytes = {0, 0, (byte) 0x80, 0x3F, 0, 0, 0x20, (byte) 0xC0};
        float[] out = FormatTestSupport.nans(2);
        format().dequantize(MemorySegment.ofArray(bytes), 0, out, 0, 2);
        assertArrayEquals(new float[] {1.0f, -2.5f}, out);

        MemorySegment encoded = FormatTestSupport.garbage(8, 3, true);
        format().quantize(new float[] {1.0f, -2.5f}, 0, encoded, 0, 2);
        assertArrayEquals(bytes, encoded.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    }

    @Test
    void dotWithActivationOfEveryLengthMatchesFloat64() {
        for (int n = 1; n < 80; n++) {
            float[] w = FormatTestSupport.randomRow(n, n);
            float[] x = FormatTestSupport.randomRow(n + 500, n);
            float got = format().dot(FormatTestSupport.quantize(type(), w, 0, false), 0,
                    FormatTestSupport.quantize(type(), x, 0, true), 0, n);
            assertEquals(FormatTestSupport.dot64(w, x), got, 1e-6 * FormatTestSupport.absDot64(w, x), "n=" + n);
        }
    }
}
