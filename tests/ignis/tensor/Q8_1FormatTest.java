package ignis.tensor;

import static ignis.tensor.FormatTestSupport.halfAt;
import static ignis.tensor.FormatTestSupport.s8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

class Q8_1FormatTest extends FormatContractTest {

    @Override
    GGMLType type() {
        return GGMLType.Q8_1;
    }

    @Override
    boolean hasDot() {
        return false;
    }

    @Test
    void knownBlockDecodes() {
        byte[] block = new byte[36];
        block[1] = 0x40; // d = 2
        block[3] = 0x7C; // s = inf: not part of the values
        block[4] = 3;
        block[35] = -1;
        float[] expected = new float[32];
        expected[0] = 6;
        expected[31] = -2;
        float[] out = FormatTestSupport.nans(32);
        format().dequantize(MemorySegment.ofArray(block), 0, out, 0, 32);
        assertArrayEquals(expected, out);
    }

    @Test
    void quantizesLikeTheAvxBuildWithTheSumOfQuants() {
        for (int seed = 0; seed < 20; seed++) {
            float[] x = FormatTestSupport.randomRow(seed + 60, 64);
            MemorySegment q = FormatTestSupport.quantize(type(), x, 0, false);
            for (int b = 0; b < 2; b++) {
                long block = 36L * b;
                float amax = 0;
                for (int j = 0; j < 32; j++) {
                    amax = Math.max(amax, Math.abs(x[32 * b + j]));
                }
                float d = amax / 127f;
                int sum = 0;
                for (int j = 0; j < 32; j++) {
                    int expected = (int) Math.rint(x[32 * b + j] * (127f / amax));
                    assertEquals(expected, s8(q, block + 4 + j));
                    sum += expected;
                }
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(d)), halfAt(q, block), "d");
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(d * sum)), halfAt(q, block + 2), "s");
            }
        }
    }
}
