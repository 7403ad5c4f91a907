package ignis.tensor;

import static ignis.tensor.FormatTestSupport.absDot64;
import static ignis.tensor.FormatTestSupport.dequantize;
import static ignis.tensor.FormatTestSupport.garbage;
import static ignis.tensor.FormatTestSupport.quantize;
import static ignis.tensor.FormatTestSupport.randomRow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Every Vector API dot kernel against its scalar twin.
 *
 * <p>The vector kernels accumulate per-lane floats as ggml's AVX2 code does, the scalar twins in
 * plain order, so on realistic rows they differ only by float summation order. Their integer
 * parts must be identical: with unit scales (and small activation quants for the K-quants, whose
 * own quants and sub-block scales stay arbitrary) every partial sum is an integer below 2^24, so
 * both twins must then agree exactly.
 */
class VectorKernelsTest {

    /** A dot kernel over whole blocks (or values, for the float formats). */
    interface Kernel {
        float dot(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks);
    }

    private static final int[] BLOCK_COUNTS = {1, 2, 3, 7, 16};

    @Test
    void f32KernelsAgree() {
        checkRandom(GGMLType.F32, F32Format::dotScalar, F32Format::dotVector);
        for (int n : new int[] {1, 5, 8, 31, 32, 33, 100, 1027}) {
            MemorySegment w = integers(n, 4, n, (s, o, v) -> s.set(FormatTestSupport.FLOAT, o, v));
            MemorySegment a = integers(n, 4, n + 1, (s, o, v) -> s.set(FormatTestSupport.FLOAT, o, v));
            assertEquals(F32Format.dotScalar(w, 0, a, 0, n), F32Format.dotVector(w, 0, a, 0, n), "n=" + n);
        }
    }

    @Test
    void f16KernelsAgree() {
        checkRandom(GGMLType.F16, F16Format::dotScalar, F16Format::dotVector);
        for (int n : new int[] {1, 7, 8, 9, 16, 17, 100, 1027}) {
            MemorySegment w = integers(n, 2, n, (s, o, v) -> s.set(FormatTestSupport.SHORT, o, FormatTestSupport.half(v)));
            MemorySegment a = integers(n, 2, n + 1, (s, o, v) -> s.set(FormatTestSupport.SHORT, o, FormatTestSupport.half(v)));
            assertEquals(F16Format.dotScalar(w, 0, a, 0, n), F16Format.dotVector(w, 0, a, 0, n), "n=" + n);
        }
    }

    @Test
    void bf16KernelsAgree() {
        checkRandom(GGMLType.BF16, BF16Format::dotScalar, BF16Format::dotVector);
        for (int n : new int[] {1, 7, 16, 17, 100, 1027}) {
            MemorySegment w = integers(n, 2, n, (s, o, v) -> s.set(FormatTestSupport.SHORT, o, BFloat16.fromFloat(v)));
            MemorySegment a = integers(n, 2, n + 1, (s, o, v) -> s.set(FormatTestSupport.SHORT, o, BFloat16.fromFloat(v)));
            assertEquals(BF16Format.dotScalar(w, 0, a, 0, n), BF16Format.dotVector(w, 0, a, 0, n), "n=" + n);
        }
    }

    @Test
    void q8_0KernelsAgree() {
        checkRandom(GGMLType.Q8_0, Q8_0Format::dotScalar, Q8_0Format::dotVector);
        checkUnitScales(GGMLType.Q8_0, Q8_0Format::dotScalar, Q8_0Format::dotVector, 128);
    }

    @Test
    void q5_0KernelsAgree() {
        checkRandom(GGMLType.Q5_0, Q5_0Format::dotScalar, Q5_0Format::dotVector);
        checkUnitScales(GGMLType.Q5_0, Q5_0Format::dotScalar, Q5_0Format::dotVector, 128);
    }

    @Test
    void q4_0KernelsAgree() {
        checkRandom(GGMLType.Q4_0, Q4_0Format::dotScalar, Q4_0Format::dotVector);
        checkUnitScales(GGMLType.Q4_0, Q4_0Format::dotScalar, Q4_0Format::dotVector, 128);
    }

    @Test
    void q4_1KernelsAgree() {
        checkRandom(GGMLType.Q4_1, Q4_1Format::dotScalar, Q4_1Format::dotVector);
        // activation quants within [-64, 63] keep s = sum of quants exact in fp16
        checkUnitScales(GGMLType.Q4_1, Q4_1Format::dotScalar, Q4_1Format::dotVector, 64);
    }

    @Test
    void q4_KKernelsAgree() {
        checkUnitScaleSuperBlocks(GGMLType.Q4_K, Q4_KFormat::dotScalar, Q4_KFormat::dotVector, 0, 4);
        checkRandom(GGMLType.Q4_K, Q4_KFormat::dotScalar, Q4_KFormat::dotVector);
    }

    @Test
    void q5_KKernelsAgree() {
        checkUnitScaleSuperBlocks(GGMLType.Q5_K, Q5_KFormat::dotScalar, Q5_KFormat::dotVector, 0, 4);
        checkRandom(GGMLType.Q5_K, Q5_KFormat::dotScalar, Q5_KFormat::dotVector);
    }

    @Test
    void q6_KKernelsAgree() {
        checkUnitScaleSuperBlocks(GGMLType.Q6_K, Q6_KFormat::dotScalar, Q6_KFormat::dotVector, 208, 2);
        checkRandom(GGMLType.Q6_K, Q6_KFormat::dotScalar, Q6_KFormat::dotVector);
    }

    interface Put {
        void put(MemorySegment s, long offset, int value);
    }

    /** {@code n} random integers in [-20, 20] stored with {@code put} every {@code stride} bytes. */
    private static MemorySegment integers(int n, int stride, long seed, Put put) {
        Random random = new Random(seed);
        MemorySegment s = MemorySegment.ofArray(new byte[n * stride]);
        for (int i = 0; i < n; i++) {
            put.put(s, (long) i * stride, random.nextInt(41) - 20);
        }
        return s;
    }

    /** Realistic rows: the kernels differ only by float summation order. */
    private static void checkRandom(GGMLType type, Kernel scalar, Kernel vector) {
        GGMLType act = QuantFormat.of(type).activationType();
        for (int blocks : BLOCK_COUNTS) {
            int n = blocks * Math.max(type.blockSize, 32);
            int count = n / type.blockSize;
            float[] w = randomRow(blocks * 3L, n);
            float[] x = randomRow(blocks * 3L + 1, n);
            MemorySegment wq = quantize(type, w, 3, false);
            MemorySegment aq = quantize(act, x, 5, true);
            double scale = absDot64(dequantize(type, wq, 3, n), dequantize(act, aq, 5, n));
            float s = scalar.dot(wq, 3, aq, 5, count);
            float v = vector.dot(wq, 3, aq, 5, count);
            assertEquals(s, v, 2e-6 * scale, type + " blocks=" + blocks);
        }
    }

    /**
     * Arbitrary quant bytes with every scale set to 1 (Q4_1's min too, and Q8_1's s to the quant
     * sum): the result is an exact integer, so the kernels must agree exactly.
     */
    private static void checkUnitScales(GGMLType type, Kernel scalar, Kernel vector, int actRange) {
        GGMLType act = QuantFormat.of(type).activationType();
        for (int blocks : BLOCK_COUNTS) {
            MemorySegment w = garbage((long) blocks * type.blockBytes, blocks, false);
            MemorySegment a = garbage((long) blocks * act.blockBytes, blocks + 100, true);
            Random random = new Random(blocks);
            for (int b = 0; b < blocks; b++) {
                long wb = (long) b * type.blockBytes;
                long ab = (long) b * act.blockBytes;
                w.set(FormatTestSupport.SHORT, wb, FormatTestSupport.half(1));
                if (type == GGMLType.Q4_1) {
                    w.set(FormatTestSupport.SHORT, wb + 2, FormatTestSupport.half(1));
                }
                a.set(FormatTestSupport.SHORT, ab, FormatTestSupport.half(1));
                int qs = act == GGMLType.Q8_1 ? 4 : 2;
                int sum = 0;
                for (int j = 0; j < 32; j++) {
                    int q = random.nextInt(2 * actRange) - actRange;
                    a.set(ValueLayout.JAVA_BYTE, ab + qs + j, (byte) q);
                    sum += q;
                }
                if (act == GGMLType.Q8_1) {
                    a.set(FormatTestSupport.SHORT, ab + 2, FormatTestSupport.half(sum));
                }
            }
            float s = scalar.dot(w, 0, a, 0, blocks);
            float v = vector.dot(w, 0, a, 0, blocks);
            assertEquals(s, v, type + " blocks=" + blocks);
            assertEquals(Math.rint(s), s, type + ": unit-scale dot is not an integer");
        }
    }

    /**
     * K-quant super-blocks of arbitrary bytes (any quants, 6-bit or 8-bit scales and mins) but
     * with d = 1, dmin = 0 and activations of scale 1 and quants within [-actRange, actRange]:
     * every partial sum is then an integer below 2^24, so the twins must agree exactly.
     */
    private static void checkUnitScaleSuperBlocks(GGMLType type, Kernel scalar, Kernel vector, int dOffset, int actRange) {
        for (int blocks : new int[] {1, 2, 3, 7}) {
            MemorySegment w = garbage((long) blocks * type.blockBytes, blocks, false);
            MemorySegment a = garbage((long) blocks * GGMLType.Q8_K.blockBytes, blocks + 50, true);
            Random random = new Random(blocks);
            for (int b = 0; b < blocks; b++) {
                long wb = (long) b * type.blockBytes;
                long ab = (long) b * GGMLType.Q8_K.blockBytes;
                w.set(FormatTestSupport.SHORT, wb + dOffset, FormatTestSupport.half(1));
                if (type != GGMLType.Q6_K) {
                    w.set(FormatTestSupport.SHORT, wb + 2, FormatTestSupport.half(0)); // dmin
                }
                a.set(FormatTestSupport.FLOAT, ab, 1f);
                for (int j = 0; j < 256; j++) {
                    a.set(ValueLayout.JAVA_BYTE, ab + 4 + j, (byte) (random.nextInt(2 * actRange + 1) - actRange));
                }
            }
            float s = scalar.dot(w, 0, a, 0, blocks);
            assertEquals(s, vector.dot(w, 0, a, 0, blocks), type + " blocks=" + blocks);
            assertEquals(Math.rint(s), s, type + ": unit-scale dot is not an integer");
        }
    }
}
