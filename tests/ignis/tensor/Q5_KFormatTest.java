package ignis.tensor;

import static ignis.tensor.FormatTestSupport.assertDecodes;
import static ignis.tensor.FormatTestSupport.halfAt;
import static ignis.tensor.FormatTestSupport.u8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

class Q5_KFormatTest extends FormatContractTest {

    @Override
    GGMLType type() {
        return GGMLType.Q5_K;
    }

    /** Value i of a Q5_K block per ggml-common.h: as Q4_K, plus bit (i / 32) of qh[i % 32] as the fifth bit. */
    static double specValue(MemorySegment s, long block, int i) {
        int sub = i / 32;
        int q = u8(s, block + 48 + 32 * (i / 64) + i % 32);
        q = i % 64 < 32 ? q % 16 : q / 16;
        q += 16 * ((u8(s, block + 16 + i % 32) >> sub) & 1);
        return (double) halfAt(s, block) * KQuantSpec.scale(s, block + 4, sub) * q
                - (double) halfAt(s, block + 2) * KQuantSpec.min(s, block + 4, sub);
    }

    @Test
    void knownBlockDecodes() {
        byte[] block = new byte[176];
        block[1] = 0x3C; // d = 1
        block[3] = 0x3C; // dmin = 1
        block[4] = 1;    // scale 0 = 1, min 0 = 0
        block[5] = 2;    // scale 1 = 2, min 1 = 0
        block[16] = 0x03; // qh[0]: bit 0 (value 0) and bit 1 (value 32) set
        block[48] = 0x21; // value 0: 1 + 16 = 17; value 32: (2 + 16) * 2 = 36
        float[] expected = new float[256];
        expected[0] = 17;
        expected[32] = 36;
        float[] out = FormatTestSupport.nans(256);
        format().dequantize(MemorySegment.ofArray(block), 0, out, 0, 256);
        assertArrayEquals(expected, out);
    }

    @Test
    void randomBlocksDecodeAsTheSpecSays() {
        int blocks = 3;
        MemorySegment s = FormatTestSupport.randomBlocks(type(), blocks, 31, 0, 2);
        double[] expected = new double[blocks * 256];
        double[] scale = new double[expected.length];
        for (int i = 0; i < expected.length; i++) {
            long block = i / 256 * 176L;
            expected[i] = specValue(s, block, i % 256);
            scale[i] = Math.abs(expected[i]) + Math.abs(halfAt(s, block + 2)) * 64 + Math.abs(halfAt(s, block)) * 64 * 32;
        }
        assertDecodes(expected, scale, FormatTestSupport.dequantize(type(), s, 0, expected.length), type());
    }
}
