package ignis.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.IntVector;

import java.lang.foreign.MemorySegment;

import org.junit.jupiter.api.Test;

class F16FormatTest extends FormatContractTest {

    @Override
    GGMLType type() {
        return GGMLType.F16;
    }

    @Test
    void knownHalfBitPatternsDecodeToTheirIeeeValues() {
        short[] bits = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, 0x0400, (short) 0x8000, 0x7C00, (short) 0xFC00, 0x3555};
        float[] expected = {1f, -2f, 65504f, 0x1p-24f, 0x1p-14f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                (float) ((1 + 0x155 / 1024.0) * 0.25)};
        float[] out = FormatTestSupport.nans(bits.length);
        format().dequantize(MemorySegment.ofArray(bits), 0, out, 0, bits.length);
        assertArrayEquals(expected, out);
    }

    @Test
    void encodingRoundsToNearestEven() {
        // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties go to the even significand (1.0);
        // 1 + 3*2^-11 lies halfway between 1 + 2^-10 and 1 + 2^-9: ties go to 1 + 2^-9.
        float[] x = {1 + 0x1p-11f, 1 + 3 * 0x1p-11f, 1 + 0x1p-11f + 0x1p-20f};
        MemorySegment s = FormatTestSupport.garbage(6, 1, false);
        format().quantize(x, 0, s, 0, 3);
        assertEquals(0x3C00, s.get(FormatTestSupport.SHORT, 0));
        assertEquals(0x3C02, s.get(FormatTestSupport.SHORT, 2));
        assertEquals(0x3C01, s.get(FormatTestSupport.SHORT, 4));
    }

    @Test
    void everyHalfValueDecodesLikeTheJdk() {
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        float[] out = FormatTestSupport.nans(all.length);
        format().dequantize(MemorySegment.ofArray(all), 0, out, 0, all.length);
        for (int i = 0; i < all.length; i++) {
            assertEquals(Float.floatToRawIntBits(Float.float16ToFloat(all[i])), Float.floatToRawIntBits(out[i]), "bits " + i);
        }
    }

    @Test
    void vectorHalfConversionIsBitExactForEveryHalf() {
        int[] lanes = new int[8];
        for (int base = 0; base < 65536; base += 8) {
            for (int i = 0; i < 8; i++) {
                lanes[i] = (short) (base + i); // sign-extended, as the kernel widens them
            }
            float[] got = F16Format.halfToFloat(IntVector.fromArray(IntVector.SPECIES_256, lanes, 0)).toArray();
            for (int i = 0; i < 8; i++) {
                float expected = Float.float16ToFloat((short) (base + i));
                if (Float.isNaN(expected)) {
                    assertTrue(Float.isNaN(got[i]), "half bits " + (base + i)); // payload and quiet bit may differ
                } else {
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got[i]), "half bits " + (base + i));
                }
            }
        }
    }
}
