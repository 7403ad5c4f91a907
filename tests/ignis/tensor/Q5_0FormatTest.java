package ignis.tensor;

import static ignis.tensor.FormatTestSupport.assertDecodes;
import static ignis.tensor.FormatTestSupport.halfAt;
import static ignis.tensor.FormatTestSupport.u8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

class Q5_0FormatTest extends FormatContractTest {

    @Override
    GGMLType type() {
        return GGMLType.Q5_0;
    }

    @Test
    void knownBlockDecodes() {
        byte[] block = new byte[22];
        block[1] = 0x3C; // d = 1.0
        block[2] = 0x01; // qh bit 0: value 0 gets 16
        block[5] = (byte) 0x80; // qh bit 31: value 31 gets 16
        block[6] = 0x3F; // value 0: (15 | 16) - 16 = 15, value 16: 3 - 16 = -13
        block[21] = (byte) 0xF0; // value 15: 0 - 16 = -16, value 31: (15 | 16) - 16 = 15
        float[] expected = new float[32];
        java.util.Arrays.fill(expected, -16f);
        expected[0] = 15;
        expected[16] = -13;
        expected[31] = 15;
        float[] out = FormatTestSupport.nans(32);
        format().dequantize(MemorySegment.ofArray(block), 0, out, 0, 32);
        assertArrayEquals(expected, out);
    }

    @Test
    void randomBlocksDecodeAsTheSpecSays() {
        int blocks = 6;
        MemorySegment s = FormatTestSupport.randomBlocks(type(), blocks, 23, 0);
        double[] expected = new double[blocks * 32];
        for (int i = 0; i < expected.length; i++) {
            long block = i / 32 * 22L;
            int j = i % 32;
            long qh = s.get(FormatTestSupport.INT, block + 2) & 0xFFFFFFFFL;
            int low = j < 16 ? u8(s, block + 6 + j) & 0xF : u8(s, block + 6 + j - 16) >> 4;
            int q = low + 16 * (int) ((qh >> j) & 1);
            expected[i] = halfAt(s, block) * (q - 16.0);
        }
        assertDecodes(expected, expected, FormatTestSupport.dequantize(type(), s, 0, expected.length), type());
    }

    @Test
    void scaleIsTheLargestMagnitudeValueOverMinus16() {
        float[] x = FormatTestSupport.randomRow(5, 32);
        float max = 0;
        for (float v : x) {
            if (Math.abs(v) > Math.abs(max)) {
                max = v;
            }
        }
        MemorySegment q = FormatTestSupport.quantize(type(), x, 0, false);
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(max / -16)), halfAt(q, 0));
    }
}
