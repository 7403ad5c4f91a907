package ignis.tensor;

import static ignis.tensor.FormatTestSupport.assertDecodes;
import static ignis.tensor.FormatTestSupport.halfAt;
import static ignis.tensor.FormatTestSupport.u8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import org.junit.jupiter.api.Test;

class Q4_KFormatTest extends FormatContractTest {

    @Override
    GGMLType type() {
        return GGMLType.Q4_K;
    }

    /** Value i of a Q4_K block per ggml-common.h: d * scale * q - dmin * min of its 32-value sub-block. */
    static double specValue(MemorySegment s, long block, int i) {
        int sub = i / 32;
        int chunk = i / 64;
        int q = u8(s, block + 16 + 32 * chunk + i % 32);
        q = i % 64 < 32 ? q % 16 : q / 16;
        return (double) halfAt(s, block) * KQuantSpec.scale(s, block + 4, sub) * q
                - (double) halfAt(s, block + 2) * KQuantSpec.min(s, block + 4, sub);
    }

    @Test
    void knownBlockDecodes() {
        byte[] block = new byte[144];
        block[1] = 0x3C; // d = 1
        block[3] = 0x38; // dmin = 0.5
        block[4] = 2;    // scale 0 = 2
        block[8] = 3;    // min 0 = 3
        block[4 + 3] = (byte) 0xC0; // top bits of byte 3: scale 7 gets 48
        block[4 + 11] = (byte) 0x51; // scale 7 low bits 1 -> 49, min 7 low bits 5
        block[16] = 0x7A; // value 0: 2 * 10 - 1.5 = 18.5; value 32: scale 1 = 0 -> 0
        block[16 + 96 + 31] = (byte) 0xF0; // value 255: sub-block 7: 49 * 15 - 0.5 * 5 = 732.5; value 223: -2.5
        float[] expected = new float[256];
        for (int i = 0; i < 32; i++) {
            expected[i] = -1.5f; // q = 0 in sub-block 0
        }
        for (int i = 224; i < 256; i++) {
            expected[i] = -2.5f; // q = 0 in sub-block 7
        }
        expected[0] = 18.5f;
        expected[255] = 732.5f;
        float[] out = FormatTestSupport.nans(256);
        format().dequantize(MemorySegment.ofArray(block), 0, out, 0, 256);
        assertArrayEquals(expected, out);
    }

    @Test
    void randomBlocksDecodeAsTheSpecSays() {
        int blocks = 3;
        MemorySegment s = FormatTestSupport.randomBlocks(type(), blocks, 29, 0, 2);
        double[] expected = new double[blocks * 256];
        double[] scale = new double[expected.length];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = specValue(s, i / 256 * 144L, i % 256);
            scale[i] = Math.abs(expected[i]) + Math.abs(halfAt(s, i / 256 * 144L + 2)) * 64 + Math.abs(halfAt(s, i / 256 * 144L)) * 64 * 16;
        }
        assertDecodes(expected, scale, FormatTestSupport.dequantize(type(), s, 0, expected.length), type());
    }

    @Test
    void packedScalesAndMinsUnpackAsTheSpecSays() {
        Random random = new Random(4);
        int[] scales = new int[8];
        int[] mins = new int[8];
        for (int trial = 0; trial < 100; trial++) {
            for (int j = 0; j < 8; j++) {
                scales[j] = random.nextInt(64);
                mins[j] = random.nextInt(64);
            }
            MemorySegment field = FormatTestSupport.garbage(12, trial, true);
            KScales.pack(scales, mins, field, 0);
            long packedScales = KScales.scales(field, 0);
            long packedMins = KScales.mins(field, 0);
            for (int j = 0; j < 8; j++) {
                assertEquals(scales[j], KQuantSpec.scale(field, 0, j), "spec scale " + j);
                assertEquals(mins[j], KQuantSpec.min(field, 0, j), "spec min " + j);
                assertEquals(scales[j], KScales.get(packedScales, j), "unpacked scale " + j);
                assertEquals(mins[j], KScales.get(packedMins, j), "unpacked min " + j);
            }
        }
    }
}
