package ignis.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

class BF16FormatTest extends FormatContractTest {

    @Override
    GGMLType type() {
        return GGMLType.BF16;
    }

    @Test
    void valuesAreTheTopHalvesOfFloats() {
        short[] bits = {0x3F80, (short) 0xC020, 0x7F80, 0x0001, (short) 0x8000, 0x4049};
        float[] expected = {1f, -2.5f, Float.POSITIVE_INFINITY, Float.intBitsToFloat(0x00010000), -0f,
                Float.intBitsToFloat(0x40490000)};
        float[] out = FormatTestSupport.nans(bits.length);
        format().dequantize(MemorySegment.ofArray(bits), 0, out, 0, bits.length);
        assertArrayEquals(expected, out);
    }

    @Test
    void encodingRoundsToNearestEvenAndKeepsNansQuiet() {
        float[] x = {
            1 + 0x1p-8f,                              // halfway between 1 and 1 + 2^-7: to even (1.0)
            1 + 3 * 0x1p-8f,                          // halfway between 1 + 2^-7 and 1 + 2^-6: to even (1 + 2^-6)
            1 + 0x1p-8f + 0x1p-20f,                   // just above halfway: up
            Float.intBitsToFloat(0x7F800001),         // signalling NaN: stays NaN, made quiet
            Float.intBitsToFloat(0x7F7FFFFF),         // largest float rounds up to infinity
        };
        short[] expected = {0x3F80, 0x3F82, 0x3F81, 0x7FC0, 0x7F80};
        MemorySegment s = FormatTestSupport.garbage(2L * x.length, 5, false);
        format().quantize(x, 0, s, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            assertEquals(expected[i], s.get(FormatTestSupport.SHORT, 2L * i), "value " + i);
        }
    }
}
