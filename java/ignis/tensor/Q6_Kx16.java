package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;

import java.lang.foreign.MemorySegment;

/**
 * Q6_K rows copied into Java arrays with their quants rebuilt: each value's 6 bits, less 32, as
 * a signed byte, two per short in value order (as {@link Q8_0x16} keeps Q8_0's quants), the 16
 * scales of a super-block as bytes and d as a float, rows in their order. The kernel is then
 * Q8_0's (two rows 8 apart per pass over the unpacked Q8_K activations), with ggml's q6_K
 * arithmetic: per 32 values the int lanes (lane l: values 4l..4l+3) times the scale of their
 * 16 values, summed over the super-block, then one fused multiply-add of d_a * d_w per
 * super-block; each output has the bits of {@link Q6_KFormat#dotVector} without rebuilding the
 * 6-bit values from their two bit planes on every pass.
 */
final class Q6_Kx16 extends PackedMatrix {
    static final int ROWS = 16;
    /** Shorts of quants per super-block: 256 values, two per short. */
    private static final int QUANT_SHORTS = Q6_KFormat.BLOCK / 2;
    private static final int SCALES = 16;

    private final short[] quants;
    private final byte[] scales;
    private final float[] d;

    Q6_Kx16(Tensor source) {
        super(source, ROWS);
        quants = new short[arrayLength((long) ROWS * blocks * QUANT_SHORTS)];
        scales = new byte[arrayLength((long) ROWS * blocks * SCALES)];
        d = new float[arrayLength((long) ROWS * blocks)];
    }

    @Override
    public long byteSize() {
        return 2L * quants.length + scales.length + 4L * d.length;
    }

    @Override
    public void pack(int from, int to) {
        MemorySegment w = source.data();
        long rowBytes = source.rowBytes();
        for (int row = from * ROWS; row < to * ROWS; row++) {
            for (int b = 0; b < blocks; b++) {
                long block = row * rowBytes + (long) b * Q6_KFormat.BYTES;
                int superBlock = row * blocks + b;
                d[superBlock] = LittleEndian.half(w, block + Q6_KFormat.D);
                for (int s = 0; s < SCALES; s++) {
                    scales[superBlock * SCALES + s] = (byte) LittleEndian.signedByte(w, block + Q6_KFormat.SCALES + s);
                }
                for (int v = 0; v < Q6_KFormat.BLOCK; v += 2) {
                    int even = quant(w, block, v) - 32;
                    int odd = quant(w, block, v + 1) - 32;
                    quants[superBlock * QUANT_SHORTS + v / 2] = (short) ((even & 0xFF) | odd << 8);
                }
            }
        }
    }

    private static int quant(MemorySegment w, long block, int v) {
        return Q6_KFormat.quant(w, block, v / 128, (v % 128) / 32, v % 32);
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
            }
            out[at + pair] = VectorKernels.sum(acc0);
            out[at + pair + ROWS / 2] = VectorKernels.sum(acc1);
        }
    }

    /** Super-block {@code superBlock}'s values 32c..32c+31 times the activations: int lanes 0..3 by scale 2c, 4..7 by 2c+1. */
    private IntVector scaledSums(int superBlock, int c, ShortVector even, ShortVector odd) {
        ShortVector w = ShortVector.fromArray(VectorKernels.SHORT_256, quants, superBlock * QUANT_SHORTS + 16 * c);
        int s = superBlock * SCALES + 2 * c;
        IntVector scale = IntVector.broadcast(VectorKernels.INT_256, scales[s]).blend(scales[s + 1], Q6_KFormat.UPPER_LANES);
        return VectorKernels.dotUnpacked(w, even, odd).mul(scale);
    }
}
