package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;

import java.lang.foreign.MemorySegment;

/**
 * Q8_0 rows copied into Java arrays for decode: the quants as shorts (two per lane, as the
 * kernels load them) and the block scales as floats, rows in their order. The kernel is
 * {@link Q8_0Format}'s two-row one, rows 8 apart; from the arrays C2 drops the bounds checks it
 * keeps on memory-segment loads. Batches of {@link Q8_0Format#PREFILL_TOKENS} tokens or more
 * take the format's own prefill kernel over the source.
 */
final class Q8_0x16 extends PackedMatrix {
    static final int ROWS = 16;
    private static final int BLOCK_SHORTS = Q8_0Format.BLOCK / 2;

    private final short[] quants;
    private final float[] scales;

    Q8_0x16(Tensor source) {
        super(source, ROWS);
        quants = new short[arrayLength((long) ROWS * blocks * BLOCK_SHORTS)];
        scales = new float[arrayLength((long) ROWS * blocks)];
    }

    @Override
    public long byteSize() {
        return 2L * quants.length + 4L * scales.length;
    }

    @Override
    boolean usesPacked(MatrixInput x) {
        return super.usesPacked(x) && x.tokens() < Q8_0Format.PREFILL_TOKENS;
    }

    @Override
    public void pack(int from, int to) {
        MemorySegment w = source.data();
        long rowBytes = source.rowBytes();
        for (int row = from * ROWS; row < to * ROWS; row++) {
            for (int b = 0; b < blocks; b++) {
                long block = row * rowBytes + (long) b * Q8_0Format.BYTES;
                scales[row * blocks + b] = LittleEndian.half(w, block);
                for (int i = 0; i < BLOCK_SHORTS; i++) {
                    quants[(row * blocks + b) * BLOCK_SHORTS + i] = w.get(LittleEndian.SHORT, block + 2 + 2L * i);
                }
            }
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
            for (int b = 0; b < blocks; b++) {
                int k = token * blocks + b;
                ShortVector even = ShortVector.fromArray(VectorKernels.SHORT_256, evens, k * 16);
                ShortVector odd = ShortVector.fromArray(VectorKernels.SHORT_256, odds, k * 16);
                float scale = activationScales[k];
                acc0 = VectorKernels.toFloat(VectorKernels.dotUnpacked(
                                ShortVector.fromArray(VectorKernels.SHORT_256, quants, (row0 + b) * BLOCK_SHORTS), even, odd))
                        .fma(FloatVector.broadcast(VectorKernels.FLOAT_256, scales[row0 + b] * scale), acc0);
                acc1 = VectorKernels.toFloat(VectorKernels.dotUnpacked(
                                ShortVector.fromArray(VectorKernels.SHORT_256, quants, (row1 + b) * BLOCK_SHORTS), even, odd))
                        .fma(FloatVector.broadcast(VectorKernels.FLOAT_256, scales[row1 + b] * scale), acc1);
            }
            out[at + pair] = VectorKernels.sum(acc0);
            out[at + pair + ROWS / 2] = VectorKernels.sum(acc1);
        }
    }
}
