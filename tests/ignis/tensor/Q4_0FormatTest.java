package ignis.tensor;

import static ignis.tensor.FormatTestSupport.assertDecodes;
import static ignis.tensor.FormatTestSupport.halfAt;
import static ignis.tensor.FormatTestSupport.u8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

class Q4_0FormatTest extends FormatContractTest {

    @Override
    GGMLType type() {
        return GGMLType.Q4_0;
    }

    @Test
    void knownBlockDecodes() {
        byte[] block = new byte[18];
        block[1] = 0x3C; // d = 1.0
        block[2] = 0x1F; // value 0: 0xF - 8 = 7, value 16: 0x1 - 8 = -7
        for (int j = 1; j < 16; j++) {
            block[2 + j] = (byte) 0x88; // both nibbles 8: zero
        }
        block[17] = (byte) 0x90; // value 15: 0 - 8 = -8, value 31: 9 - 8 = 1
        float[] expected = new float[32];
        expected[0] = 7;
        expected[16] = -7;
        expected[15] = -8;
        expected[31] = 1;
        float[] out = FormatTestSupport.nans(32);
        format().dequantize(MemorySegment.ofArray(block), 0, out, 0, 32);
        assertArrayEquals(expected, out);
    }

    @Test
    void randomBlocksDecodeAsTheSpecSays() {
        int blocks = 6;
        MemorySegment s = FormatTestSupport.randomBlocks(type(), blocks, 17, 0);
        double[] expected = new double[blocks * 32];
        double[] scale = new double[blocks * 32];
        for (int i = 0; i < expected.length; i++) {
            long block = i / 32 * 18L;
            int j = i % 32;
            // ggml-common.h block_q4_0: qs[j] holds value j (low nibble) and value j + 16 (high nibble)
            int q = j < 16 ? u8(s, block + 2 + j) & 0xF : u8(s, block + 2 + j - 16) >> 4;
            expected[i] = halfAt(s, block) * (q - 8.0);
            scale[i] = expected[i];
        }
        assertDecodes(expected, scale, FormatTestSupport.dequantize(type(), s, 0, expected.length), type());
    }

    @Test
    void scaleIsTheLargestMagnitudeValueOverMinus8() {
        for (int seed = 0; seed < 20; seed++) {
            float[] x = FormatTestSupport.randomRow(seed, 64);
            MemorySegment q = FormatTestSupport.quantize(type(), x, 0, false);
            for (int b = 0; b < 2; b++) {
                float max = 0;
                for (int j = 0; j < 32; j++) {
                    if (Math.abs(x[32 * b + j]) > Math.abs(max)) {
                        max = x[32 * b + j];
                    }
                }
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(max / -8)), halfAt(q, 18L * b));
            }
        }
    }
}
