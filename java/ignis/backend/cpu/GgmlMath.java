package ignis.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementary float functions computed operation for operation as llama.cpp's x86 CPU backend
 * (AVX2 build) computes them, so that results round the same way. These differ from the correctly
 * rounded functions by about an ulp; where the next step rounds to fp16 or quantizes to 8 bits,
 * an ulp can flip a rounding, and matching llama.cpp's tokens needs the same bits.
 */
final class GgmlMath {
    /** Lanes of ggml's AVX2 vectors: sums are grouped by this width. */
    static final int LANES = 8;
    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

    private GgmlMath() {
    }

    /**
     * exp(x) by ggml's vectorized routine (Arm's optimized-routines algorithm: split x into
     * n*ln2 + b, polynomial in b, scale by 2^n; max error about 1.5 ulp).
     */
    static float exp(float x) {
        final float shift = 0x1.8p23f;
        float z = Math.fma(x, 0x1.715476p+0f, shift);
        float n = z - shift;
        float b = Math.fma(-n, 0x1.7f7d1cp-20f, Math.fma(-n, 0x1.62e4p-1f, x));
        int e = Float.floatToRawIntBits(z) << 23;
        float k = Float.intBitsToFloat(e + Float.floatToRawIntBits(1.0f));
        float u = b * b;
        float j = Math.fma(Math.fma(Math.fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, Math.fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                u, 0x1.ffffecp-1f * b);
        float absN = Math.abs(n);
        if (!(absN > 126)) {
            return Math.fma(j, k, k);
        }
        int g = n <= 0 ? 0x82000000 : 0;
        float s1 = Float.intBitsToFloat(g + 0x7f000000);
        if (absN > 192) {
            return s1 * s1;
        }
        float s2 = Float.intBitsToFloat(e - g);
        return Math.fma(s2, j, s2) * s1;
    }

    /**
     * {@link #exp} of the 8 floats at {@code in[inAt]} into {@code out[outAt]}, 8 lanes at a
     * time (the same operations, so the same bits): false, with {@code out} unspecified, where a
     * lane needs the slow path for |n| > 126, which the caller then takes lane by lane.
     */
    static boolean exp8(float[] in, int inAt, float[] out, int outAt) {
        FloatVector x = FloatVector.fromArray(F8, in, inAt);
        FloatVector shift = FloatVector.broadcast(F8, 0x1.8p23f);
        FloatVector z = x.fma(FloatVector.broadcast(F8, 0x1.715476p+0f), shift);
        FloatVector n = z.sub(shift);
        if (n.abs().compare(VectorOperators.GT, 126f).anyTrue()) {
            return false;
        }
        FloatVector minusN = n.neg();
        FloatVector b = minusN.fma(FloatVector.broadcast(F8, 0x1.7f7d1cp-20f), minusN.fma(FloatVector.broadcast(F8, 0x1.62e4p-1f), x));
        IntVector e = z.reinterpretAsInts().lanewise(VectorOperators.LSHL, 23);
        FloatVector k = e.add(Float.floatToRawIntBits(1.0f)).reinterpretAsFloats();
        FloatVector u = b.mul(b);
        FloatVector j = FloatVector.broadcast(F8, 0x1.0e4020p-7f).fma(b, FloatVector.broadcast(F8, 0x1.573e2ep-5f))
                .fma(u, FloatVector.broadcast(F8, 0x1.555e66p-3f).fma(b, FloatVector.broadcast(F8, 0x1.fffdb6p-2f)))
                .fma(u, b.mul(0x1.ffffecp-1f));
        j.fma(k, k).intoArray(out, outAt);
        return true;
    }

    /** silu(x) = x / (1 + exp(-x)) with {@link #exp}. */
    static float silu(float x) {
        return x / (1.0f + exp(0.0f - x));
    }

    /** Sum of eight lanes in the order of the SSE reduction ggml and tinyBLAS use (halves, then pairs). */
    static float sumLanes(float[] lane) {
        return sumLanes(lane, 0);
    }

    /** {@link #sumLanes(float[])} of the eight lanes at {@code lane[at]}. */
    static float sumLanes(float[] lane, int at) {
        float t0 = lane[at] + lane[at + 4];
        float t1 = lane[at + 1] + lane[at + 5];
        float t2 = lane[at + 2] + lane[at + 6];
        float t3 = lane[at + 3] + lane[at + 7];
        return (t0 + t2) + (t1 + t3);
    }
}
