package ignis.tensor;

import static ignis.tensor.FormatTestSupport.assertDecodes;
import static ignis.tensor.FormatTestSupport.halfAt;
import static ignis.tensor.FormatTestSupport.u8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

class Q4_1FormatTest extends FormatContractTest {

    @Override
    GGMLType type() {
        return GGMLType.Q4_1;
    }

    @Test
    void knownBlockDecodes() {
        byte[] block = new byte[20];
        block[1] = 0x38; // d = 0.5
        block[3] = (byte) 0xBC; // m = -1.0
        block[4] = 0x2F; // value 0: 15 * 0.5 - 1 = 6.5, value 16: 2 * 0.5 - 1 = 0
        float[] expected = new float[32];
        java.util.Arrays.fill(expected, -1f);
        expected[0] = 6.5f;
        expected[16] = 0f;
        float[] out = FormatTestSupport.nans(32);
        format().dequantize(MemorySegment.ofArray(block), 0, out, 0, 32);
        assertArrayEquals(expected, out);
    }

    @Test
    void randomBlocksDecodeAsTheSpecSays() {
        int blocks = 6;
        MemorySegment s = FormatTestSupport.randomBlocks(type(), blocks, 19, 0, 2);
        double[] expected = new double[blocks * 32];
        double[] scale = new double[blocks * 32];
        for (int i = 0; i < expected.length; i++) {
            long block = i / 32 * 20L;
            int j = i % 32;
            int q = j < 16 ? u8(s, block + 4 + j) & 0xF : u8(s, block + 4 + j - 16) >> 4;
            expected[i] = halfAt(s, block) * q + halfAt(s, block + 2);
            scale[i] = Math.abs(halfAt(s, block) * q) + Math.abs(halfAt(s, block + 2));
        }
        assertDecodes(expected, scale, FormatTestSupport.dequantize(type(), s, 0, expected.length), type());
    }

    @Test
    void scaleSpansMinToMaxAndMinIsStored() {
        float[] x = FormatTestSupport.randomRow(3, 32);
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        MemorySegment q = FormatTestSupport.quantize(type(), x, 0, false);
        assertEquals(Float.float16ToFloat(Float.floatToFloat16((max - min) / 15)), halfAt(q, 0));
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(min)), halfAt(q, 2));
    }

    /**
     * ggml's Q4_1 dot takes the min term as m * s, where the Q8_1 field s = fp16(d * sum of quants)
     * uses the unrounded d: it differs from the sum of the dequantized activations by up to about
     * 2^-10 of it (two fp16 roundings).
     */
    @Override
    double formatTolerance(MemorySegment weights, float[] dequantizedActivation) {
        double tolerance = 0;
        for (int b = 0; b < dequantizedActivation.length / 32; b++) {
            double blockSum = 0;
            for (int j = 0; j < 32; j++) {
                blockSum += dequantizedActivation[32 * b + j];
            }
            tolerance += Math.abs(halfAt(weights, 20L * b + 2)) * Math.abs(blockSum) * 0x1p-9;
        }
        return tolerance;
    }
}
