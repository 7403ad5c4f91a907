package ignis.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

/** Seeded inputs, poisoning and float64 references shared by the format tests. */
final class FormatTestSupport {
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private FormatTestSupport() {
    }

    /**
     * A row like real weights or activations: Gaussian values with a scale drawn from 0.01..10,
     * an occasional 4x outlier, never all zeros.
     */
    static float[] randomRow(long seed, int n) {
        Random random = new Random(seed);
        double scale = Math.pow(10, random.nextDouble() * 3 - 2);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double v = random.nextGaussian() * scale;
            if (random.nextInt(64) == 0) {
                v *= 4;
            }
            x[i] = (float) v;
        }
        return x;
    }

    /** A segment of {@code bytes} random bytes (native, or heap when {@code heap}). */
    static MemorySegment garbage(long bytes, long seed, boolean heap) {
        byte[] noise = new byte[Math.toIntExact(bytes)];
        new Random(seed).nextBytes(noise);
        if (heap) {
            return MemorySegment.ofArray(noise);
        }
        MemorySegment s = Arena.ofAuto().allocate(bytes, 64);
        MemorySegment.copy(noise, 0, s, ValueLayout.JAVA_BYTE, 0, noise.length);
        return s;
    }

    /** {@code rows} rows of {@code n} Gaussian values quantized to {@code type}, in a heap segment. */
    static MemorySegment quantizedRows(java.util.SplittableRandom random, GGMLType type, int rows, int n) {
        return quantizeRows(random, type, rows, n, MemorySegment.ofArray(new byte[(int) (type.bytesFor(n) * rows)]));
    }

    /** Fills {@code s} with {@code rows} rows of {@code n} Gaussian values quantized to {@code type}; returns it. */
    static MemorySegment quantizeRows(java.util.SplittableRandom random, GGMLType type, int rows, int n, MemorySegment s) {
        float[] row = new float[n];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < n; i++) {
                row[i] = (float) random.nextGaussian();
            }
            QuantFormat.of(type).quantize(row, 0, s, r * type.bytesFor(n), n);
        }
        return s;
    }

    static float[] nans(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }

    /** Quantizes {@code x} with {@code type} into a fresh garbage-filled segment at byte {@code offset}. */
    static MemorySegment quantize(GGMLType type, float[] x, long offset, boolean heap) {
        MemorySegment s = garbage(offset + type.bytesFor(x.length), x.length * 31L + offset, heap);
        QuantFormat.of(type).quantize(x, 0, s, offset, x.length);
        return s;
    }

    static float[] dequantize(GGMLType type, MemorySegment s, long offset, int n) {
        float[] out = nans(n);
        QuantFormat.of(type).dequantize(s, offset, out, 0, n);
        return out;
    }

    static double dot64(float[] x, float[] y) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += (double) x[i] * y[i];
        }
        return sum;
    }

    /** Sum of |x_i * y_i|: the scale against which float rounding of a dot product is judged. */
    static double absDot64(float[] x, float[] y) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += Math.abs((double) x[i] * y[i]);
        }
        return sum;
    }

    static double norm(float[] x) {
        return Math.sqrt(dot64(x, x));
    }

    /** sqrt(sum (got - reference)^2 / sum reference^2), in float64. */
    static double relativeRms(float[] reference, float[] got) {
        double err = 0;
        double ref = 0;
        for (int i = 0; i < reference.length; i++) {
            double d = (double) got[i] - reference[i];
            err += d * d;
            ref += (double) reference[i] * reference[i];
        }
        return Math.sqrt(err / ref);
    }

    static short half(double value) {
        return Float.floatToFloat16((float) value);
    }

    static float halfAt(MemorySegment s, long offset) {
        return Float.float16ToFloat(s.get(SHORT, offset));
    }

    static int u8(MemorySegment s, long offset) {
        return s.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    static int s8(MemorySegment s, long offset) {
        return s.get(ValueLayout.JAVA_BYTE, offset);
    }

    /**
     * {@code blocks} blocks of {@code type} filled with random bytes, except the fp16 fields at
     * {@code halfFields} (byte offsets within a block), which get random normal values, so that
     * every block decodes to finite numbers.
     */
    static MemorySegment randomBlocks(GGMLType type, int blocks, long seed, int... halfFields) {
        MemorySegment s = garbage((long) blocks * type.blockBytes, seed, false);
        Random random = new Random(seed + 1);
        for (int b = 0; b < blocks; b++) {
            for (int field : halfFields) {
                s.set(SHORT, (long) b * type.blockBytes + field, half(random.nextGaussian()));
            }
        }
        return s;
    }

    /** Asserts that {@code got[i]} equals the float64 {@code expected[i]} up to float rounding of terms of size {@code scale[i]}. */
    static void assertDecodes(double[] expected, double[] scale, float[] got, GGMLType type) {
        for (int i = 0; i < expected.length; i++) {
            double tolerance = 4 * Math.ulp((float) scale[i]);
            if (Math.abs(expected[i] - got[i]) > tolerance) {
                throw new AssertionError(type + ": value " + i + " decoded as " + got[i] + ", spec says " + expected[i]);
            }
        }
    }

    /**
     * Bound on the relative RMS error of quantize-then-dequantize of any one {@link #randomRow}
     * (short rows with an outlier are the worst case). The float formats are bounded by their
     * unit roundoff; the block formats by the rounding step their scales allow, as measured over
     * 200 seeded rows per length with ggml's algorithms, plus a margin.
     */
    static double roundTripBound(GGMLType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 0x1p-11;
            case BF16 -> 0x1p-8;
            case Q8_0, Q8_1 -> 0.013;  // step amax/127 per 32 values
            case Q8_K -> 0.026;        // step amax/127 per 256 values
            case Q6_K -> 0.029;        // 6 bits, scale per 16 values
            case Q5_0 -> 0.090;        // step amax/16 per 32 values
            case Q5_K -> 0.055;        // 5 bits, fitted scale and min per 32 values
            case Q4_0 -> 0.200;        // step amax/8 per 32 values, the far side clamped at +7
            case Q4_1 -> 0.130;        // step (max - min)/15 per 32 values
            case Q4_K -> 0.105;        // 4 bits, fitted scale and min per 32 values
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    /** Bound on the mean relative RMS error over model-sized rows (4096 values): the typical accuracy. */
    static double typicalRoundTripError(GGMLType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 3.0e-4;
            case BF16 -> 0.0019;
            case Q8_0, Q8_1 -> 0.0073;
            case Q8_K -> 0.0135;
            case Q6_K -> 0.023;
            case Q5_0 -> 0.058;
            case Q5_K -> 0.044;
            case Q4_0 -> 0.117;
            case Q4_1 -> 0.094;
            case Q4_K -> 0.087;
            default -> throw new IllegalArgumentException(type.toString());
        };
    }
}
