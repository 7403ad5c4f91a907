package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;

import java.lang.foreign.MemorySegment;

/**
 * Q6_K and Q5_K rows copied into Java arrays with their values rebuilt from the bit planes once:
 * each value's quant (Q6_K: its 6 bits less 32; Q5_K: its 5 bits) as a signed byte, two per
 * short in value order (as {@link Q8_0x16} keeps Q8_0's quants), a scale per 16 values as a byte
 * (Q5_K's per 32 twice), d as a float, and for Q5_K the mins and dmin; rows in their order. The
 * kernel is then Q8_0's (two rows 8 apart per pass over the unpacked Q8_K activations) with
 * ggml's k-quant arithmetic: per 32 values the int lanes (lane l: values 4l..4l+3) times their
 * scale, summed over the super-block, then one fused multiply-add of d_a * d_w per super-block;
 * Q5_K adds -d_a * dmin times its integer min term into a float by a fused multiply-add. Each
 * output has the bits of {@link Q6_KFormat#dotVector} or {@link Q5_KFormat#dotVector}.
 */
final class KQuantx16 extends PackedMatrix {
    static final int ROWS = 16;
    /** Shorts of quants per super-block: 256 values, two per short. */
    private static final int QUANT_SHORTS = Q6_KFormat.BLOCK / 2;
    private static final int SCALES = 16;

    /** Q5_K's sub-blocks: 32 values, one scale and one min each. */
    private static final int SUB_BLOCKS = 8;

    private final boolean q5_k;
    private final short[] quants;
    private final byte[] scales;
    private final float[] d;
    /** Q5_K only (else empty): the 8 mins of each super-block, and dmin. */
    private final byte[] mins;
    private final float[] dmin;

    KQuantx16(Tensor source) {
        super(source, ROWS);
        q5_k = source.type() == GGMLType.Q5_K;
        quants = new short[arrayLength((long) ROWS * blocks * QUANT_SHORTS)];
        scales = new byte[arrayLength((long) ROWS * blocks * SCALES)];
        d = new float[arrayLength((long) ROWS * blocks)];
        mins = new byte[q5_k ? arrayLength((long) ROWS * blocks * SUB_BLOCKS) : 0];
        dmin = new float[q5_k ? d.length : 0];
    }

    @Override
    public long byteSize() {
        return 2L * quants.length + scales.length + 4L * d.length + mins.length + 4L * dmin.length;
    }

    @Override
    public void pack(int from, int to) {
        MemorySegment w = source.data();
        long rowBytes = source.rowBytes();
        for (int row = from * ROWS; row < to * ROWS; row++) {
            for (int b = 0; b < blocks; b++) {
                long block = row * rowBytes + (long) b * source.type().blockBytes;
                int superBlock = row * blocks + b;
                if (q5_k) {
                    packQ5_K(w, block, superBlock);
                } else {
                    packQ6_K(w, block, superBlock);
                }
            }
        }
    }

    private void packQ6_K(MemorySegment w, long block, int superBlock) {
        d[superBlock] = LittleEndian.half(w, block + Q6_KFormat.D);
        for (int s = 0; s < SCALES; s++) {
            scales[superBlock * SCALES + s] = (byte) LittleEndian.signedByte(w, block + Q6_KFormat.SCALES + s);
        }
        for (int v = 0; v < Q6_KFormat.BLOCK; v += 2) {
            int even = Q6_KFormat.quant(w, block, v / 128, (v % 128) / 32, v % 32) - 32;
            int odd = Q6_KFormat.quant(w, block, v / 128, (v % 128) / 32, v % 32 + 1) - 32;
            quants[superBlock * QUANT_SHORTS + v / 2] = (short) ((even & 0xFF) | odd << 8);
        }
    }

    private void packQ5_K(MemorySegment w, long block, int superBlock) {
        d[superBlock] = LittleEndian.half(w, block);
        dmin[superBlock] = LittleEndian.half(w, block + Q5_KFormat.DMIN);
        long packedScales = KScales.scales(w, block + Q5_KFormat.SCALES);
        long packedMins = KScales.mins(w, block + Q5_KFormat.SCALES);
        for (int s = 0; s < SUB_BLOCKS; s++) {
            // the kernel takes a scale per 16 values
            scales[superBlock * SCALES + 2 * s] = (byte) KScales.get(packedScales, s);
            scales[superBlock * SCALES + 2 * s + 1] = (byte) KScales.get(packedScales, s);
            mins[superBlock * SUB_BLOCKS + s] = (byte) KScales.get(packedMins, s);
        }
        for (int v = 0; v < Q5_KFormat.BLOCK; v += 2) {
            int even = Q5_KFormat.quant(w, block, v / 64, (v % 64) / 32, v % 32);
            int odd = Q5_KFormat.quant(w, block, v / 64, (v % 64) / 32, v % 32 + 1);
            quants[superBlock * QUANT_SHORTS + v / 2] = (short) (even | odd << 8);
        }
    }

    @Override
    void multiplyGroup(int g, MatrixInput x, int token, float[] out, int at) {
        short[] evens = x.evens;
        short[] odds = x.odds;
        float[] activationScales = x.scales;
        for (int pair = 0; pair < ROWS / 2; pair++) {
            // rows 8 apart: two streams from memory
            int row0 = (g * ROWS + pair) * blocks;
            int row1 = row0 + (ROWS / 2) * blocks;
            FloatVector acc0 = FloatVector.zero(VectorKernels.FLOAT_256);
            FloatVector acc1 = acc0;
            float minTerms0 = 0;
            float minTerms1 = 0;
            for (int b = 0; b < blocks; b++) {
                int k = token * blocks + b;
                IntVector sum0 = IntVector.zero(VectorKernels.INT_256);
                IntVector sum1 = sum0;
                for (int c = 0; c < 8; c++) {
                    // values 32c..32c+31: their activations once for both rows
                    int a = k * QUANT_SHORTS + 16 * c;
                    ShortVector even = ShortVector.fromArray(VectorKernels.SHORT_256, evens, a);
                    ShortVector odd = ShortVector.fromArray(VectorKernels.SHORT_256, odds, a);
                    sum0 = sum0.add(scaledSums(row0 + b, c, even, odd));
                    sum1 = sum1.add(scaledSums(row1 + b, c, even, odd));
                }
                float da = activationScales[k];
                acc0 = VectorKernels.toFloat(sum0).fma(FloatVector.broadcast(VectorKernels.FLOAT_256, da * d[row0 + b]), acc0);
                acc1 = VectorKernels.toFloat(sum1).fma(FloatVector.broadcast(VectorKernels.FLOAT_256, da * d[row1 + b]), acc1);
                if (q5_k) {
                    // ggml: summs += dmin * t, fused by the compiler (see Q5_KFormat#dotVector)
                    minTerms0 = Math.fma(-da * dmin[row0 + b], (float) minTerm(row0 + b, x.sums32, k), minTerms0);
                    minTerms1 = Math.fma(-da * dmin[row1 + b], (float) minTerm(row1 + b, x.sums32, k), minTerms1);
                }
            }
            out[at + pair] = VectorKernels.sum(acc0) + minTerms0;
            out[at + pair + ROWS / 2] = VectorKernels.sum(acc1) + minTerms1;
        }
    }

    /** Q5_K's min term of a super-block: each sub-block's min times the sum of its 32 activation quants. */
    private int minTerm(int superBlock, int[] sums32, int activationBlock) {
        int sum = 0;
        for (int s = 0; s < SUB_BLOCKS; s++) {
            sum += mins[superBlock * SUB_BLOCKS + s] * sums32[activationBlock * SUB_BLOCKS + s];
        }
        return sum;
    }

    /** Super-block {@code superBlock}'s values 32c..32c+31 times the activations: int lanes 0..3 by scale 2c, 4..7 by 2c+1. */
    private IntVector scaledSums(int superBlock, int c, ShortVector even, ShortVector odd) {
        ShortVector w = ShortVector.fromArray(VectorKernels.SHORT_256, quants, superBlock * QUANT_SHORTS + 16 * c);
        int s = superBlock * SCALES + 2 * c;
        IntVector scale = IntVector.broadcast(VectorKernels.INT_256, scales[s]).blend(scales[s + 1], Q6_KFormat.UPPER_LANES);
        return VectorKernels.dotUnpacked(w, even, odd).mul(scale);
    }
}
