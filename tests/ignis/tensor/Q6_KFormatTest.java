package ignis.tensor;

import static ignis.tensor.FormatTestSupport.assertDecodes;
import static ignis.tensor.FormatTestSupport.halfAt;
import static ignis.tensor.FormatTestSupport.s8;
import static ignis.tensor.FormatTestSupport.u8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

class Q6_KFormatTest extends FormatContractTest {

    @Override
    GGMLType type() {
        return GGMLType.Q6_K;
    }

    /**
     * Value i of a Q6_K block per ggml-common.h: in half h = i / 128, position r = i % 128, the low
     * 4 bits come from ql[64h + r % 64] (low nibble for r < 64, else high), the top 2 bits from
     * qh[32h + r % 32] bits 2 * (r / 32); value = d * scales[i / 16] * (q - 32).
     */
    static double specValue(MemorySegment s, long block, int i) {
        int h = i / 128;
        int r = i % 128;
        int low = u8(s, block + 64 * h + r % 64);
        low = r < 64 ? low % 16 : low / 16;
        int high = (u8(s, block + 128 + 32 * h + r % 32) >> (2 * (r / 32))) % 4;
        return (double) halfAt(s, block + 208) * s8(s, block + 192 + i / 16) * (low + 16 * high - 32);
    }

    @Test
    void knownBlockDecodes() {
        byte[] block = new byte[210];
        block[209] = 0x38; // d = 0.5
        block[192] = 2;    // scale of values 0..15
        block[192 + 15] = -4; // scale of values 240..255
        block[0] = 0x21;   // value 0: low 1; value 64: low 2
        block[128] = (byte) 0xC1; // qh[0]: value 0 high 1 (bits 0-1), value 96 high 3 (bits 6-7)
        block[64 + 63] = (byte) 0xF0; // ql[127]: value 255 low nibble 15 (r = 127 -> high nibble of ql[64 + 63])
        block[128 + 63] = (byte) 0xC0; // qh[63]: value 255 high bits 3
        float[] expected = new float[256];
        for (int i = 0; i < 256; i++) {
            int scale = i < 16 ? 2 : i >= 240 ? -4 : 0;
            expected[i] = 0.5f * scale * -32;
        }
        expected[0] = 0.5f * 2 * (1 + 16 - 32);
        expected[96] = 0.5f * 0 * (48 - 32);
        expected[255] = 0.5f * -4 * (15 + 48 - 32);
        float[] out = FormatTestSupport.nans(256);
        format().dequantize(MemorySegment.ofArray(block), 0, out, 0, 256);
        assertArrayEquals(expected, out);
    }

    @Test
    void randomBlocksDecodeAsTheSpecSays() {
        int blocks = 3;
        MemorySegment s = FormatTestSupport.randomBlocks(type(), blocks, 37, 208);
        double[] expected = new double[blocks * 256];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = specValue(s, i / 256 * 210L, i % 256);
        }
        assertDecodes(expected, expected, FormatTestSupport.dequantize(type(), s, 0, expected.length), type());
    }

    @Test
    void allZeroBlockQuantizesToZeros() {
        MemorySegment q = FormatTestSupport.quantize(type(), new float[256], 0, false);
        for (long i = 0; i < 210; i++) {
            assertEquals(0, u8(q, i), "byte " + i);
        }
    }
}
