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
 * Every Vector API dot kernel against its scalar twin. With unit scales and small quants all
 * partial sums are integers below 2^24, so both must agree exactly (identical integer block
 * sums); on realistic data they differ only by float summation order.
 */
class VectorKernelsTest {

    /** A dot kernel over whole blocks (or values, for the float formats). */
    interface Kernel {
        float dot(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int blocks);
    }

    private static final int[] BLOCK_COUNTS = {1, 2, 3, 7, 16, 33};

    @Test
    void f32KernelsAgree() {
        checkRandom(GGMLType.F32, F32Format::dotScalar, F32Format::dotVector);
        for (int n : new int[] {1, 5, 8, 31, 32, 33, 100, 1027}) {
            MemorySegment w = integers(n, 4, 20, n, (s, o, v) -> s.set(FormatTestSupport.FLOAT, o, v));
            MemorySegment a = integers(n, 4, 20, n + 1, (s, o, v) -> s.set(FormatTestSupport.FLOAT, o, v));
            assertEquals(F32Format.dotScalar(w, 0, a, 0, n), F32Format.dotVector(w, 0, a, 0, n), "n=" + n);
        }
    }

    @Test
    void f16KernelsAgree() {
        checkRandom(GGMLType.F16, F16Format::dotScalar, F16Format::dotVector);
        for (int n : new int[] {1, 7, 8, 9, 16, 17, 100, 1027}) {
            MemorySegment w = integers(n, 2, 20, n, (s, o, v) -> s.set(FormatTestSupport.SHORT, o, FormatTestSupport.half(v)));
            MemorySegment a = integers(n, 2, 20, n + 1, (s, o, v) -> s.set(FormatTestSupport.SHORT, o, FormatTestSupport.half(v)));
            assertEquals(F16Format.dotScalar(w, 0, a, 0, n), F16Format.dotVector(w, 0, a, 0, n), "n=" + n);
        }
    }

    @Test
    void q8_0KernelsAgree() {
        checkRandom(GGMLType.Q8_0, Q8_0Format::dotScalar, Q8_0Format::dotVector);
        checkExact(GGMLType.Q8_0, GGMLType.Q8_0, Q8_0Format::dotScalar, Q8_0Format::dotVector, 127, 16);
    }

    interface Put {
        void put(MemorySegment s, long offset, int value);
    }

    /** {@code n} random integers in [-range, range] stored with {@code put} every {@code stride} bytes. */
    private static MemorySegment integers(int n, int stride, int range, long seed, Put put) {
        Random random = new Random(seed);
        MemorySegment s = MemorySegment.ofArray(new byte[n * stride]);
        for (int i = 0; i < n; i++) {
            put.put(s, (long) i * stride, random.nextInt(2 * range + 1) - range);
        }
        return s;
    }

    /** Realistic rows: the kernels differ only by float summation order. */
    static void checkRandom(GGMLType type, Kernel scalar, Kernel vector) {
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
     * Random quant bytes with every scale field set to 1 (and the activation quants limited to
     * [-actRange, actRange]): the result is an exact integer, so the kernels must agree exactly.
     * {@code fixer} rewrites the scale fields (and any derived sums) of each block.
     */
    static void checkExact(GGMLType type, GGMLType act, Kernel scalar, Kernel vector, int weightRange, int actRange) {
        for (int blocks : BLOCK_COUNTS) {
            MemorySegment w = unitBlocks(type, blocks, weightRange, blocks);
            MemorySegment a = unitBlocks(act, blocks, actRange, blocks + 100);
            float s = scalar.dot(w, 0, a, 0, blocks);
            float v = vector.dot(w, 0, a, 0, blocks);
            assertEquals(s, v, type + " blocks=" + blocks);
            assertEquals(Math.rint(s), s, type + ": unit-scale dot is not an integer");
        }
    }

    /** Blocks of random quants whose scales are 1 (for int8 quants limited to [-range, range]). */
    static MemorySegment unitBlocks(GGMLType type, int blocks, int range, long seed) {
        MemorySegment s = garbage((long) blocks * type.blockBytes, seed, false);
        Random random = new Random(seed);
        for (int b = 0; b < blocks; b++) {
            long block = (long) b * type.blockBytes;
            switch (type) {
                case Q8_0 -> {
                    s.set(FormatTestSupport.SHORT, block, FormatTestSupport.half(1));
                    fillInt8(s, block + 2, 32, range, random);
                }
                default -> throw new IllegalArgumentException(type.toString());
            }
        }
        return s;
    }

    static void fillInt8(MemorySegment s, long offset, int count, int range, Random random) {
        for (int j = 0; j < count; j++) {
            s.set(ValueLayout.JAVA_BYTE, offset + j, (byte) (random.nextInt(2 * range + 1) - range));
        }
    }
}
