package ignis.tensor;

import static ignis.tensor.FormatTestSupport.s8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

class Q8_KFormatTest extends FormatContractTest {

    @Override
    GGMLType type() {
        return GGMLType.Q8_K;
    }

    @Override
    boolean hasDot() {
        return false;
    }

    @Test
    void knownBlockDecodes() {
        byte[] block = new byte[292];
        block[2] = (byte) 0x80;
        block[3] = 0x3E; // float 0.25
        block[4] = 4;
        block[4 + 255] = -8;
        float[] expected = new float[256];
        expected[0] = 1f;
        expected[255] = -2f;
        float[] out = FormatTestSupport.nans(256);
        format().dequantize(MemorySegment.ofArray(block), 0, out, 0, 256);
        assertArrayEquals(expected, out);
    }

    @Test
    void quantizesAsGgmlReference() {
        for (int seed = 0; seed < 10; seed++) {
            float[] x = FormatTestSupport.randomRow(seed + 40, 512);
            MemorySegment q = FormatTestSupport.quantize(type(), x, 1, seed % 2 == 0);
            for (int b = 0; b < 2; b++) {
                long block = 1 + 292L * b;
                float max = 0;
                for (int j = 0; j < 256; j++) {
                    if (Math.abs(x[256 * b + j]) > Math.abs(max)) {
                        max = x[256 * b + j];
                    }
                }
                float iscale = -127f / max;
                assertEquals(1 / iscale, q.get(FormatTestSupport.FLOAT, block), "d");
                for (int g = 0; g < 16; g++) {
                    int sum = 0;
                    for (int j = 16 * g; j < 16 * g + 16; j++) {
                        int expected = Math.min(127, (int) Math.rint(iscale * x[256 * b + j]));
                        assertEquals(expected, s8(q, block + 4 + j), "quant " + j);
                        sum += expected;
                    }
                    assertEquals(sum, q.get(FormatTestSupport.SHORT, block + 260 + 2L * g), "bsum " + g);
                }
            }
        }
    }

    @Test
    void roundsHalfToEven() {
        float[] x = new float[256];
        float[] given = {-127f, 2.5f, 3.5f, -2.5f, -0.5f, 126.5f, 1.5f};
        int[] expected = {-127, 2, 4, -2, 0, 126, 2};
        System.arraycopy(given, 0, x, 0, given.length);
        MemorySegment q = FormatTestSupport.quantize(type(), x, 0, false);
        assertEquals(1f, q.get(FormatTestSupport.FLOAT, 0)); // iscale = -127 / -127
        for (int j = 0; j < given.length; j++) {
            assertEquals(expected[j], s8(q, 4 + j), "quant of " + given[j]);
        }
    }

    @Test
    void allZeroBlockIsAllZeroBytes() {
        MemorySegment q = FormatTestSupport.quantize(type(), new float[256], 0, true);
        for (long i = 0; i < 292; i++) {
            assertEquals(0, s8(q, i), "byte " + i);
        }
    }
}
