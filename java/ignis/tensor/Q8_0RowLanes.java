package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 512-bit prefill kernel of {@link Q8_0x16}: one vector holds a group's 16 rows, so one
 * multiply d_w * d_x serves a block's 8 lane accumulators and the lanes reduce in ggml's order
 * across all 16 rows at once. Each weight vector is loaded once for three tokens, whose quants
 * are broadcast. Lane l of a row and token sums the block's elements 4l..4l+3 exactly (integer
 * products below 2^24 in floats), then takes one fused multiply-add with d_w * d_x: the sums
 * and roundings of ggml's AVX2 q8_0 dot, lane for lane.
 */
final class Q8_0RowLanes {
    static final int ROWS = 16;
    /** Tokens per pass: 24 accumulators and their temporaries fill the 32 vector registers. */
    static final int TOKENS = 3;
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_512;
    /** Floats per plane of {@link MatrixInput#quantFloats} with 512-bit vectors: 8 lanes of two tokens. */
    static final int WIDTH = 16;

    private Q8_0RowLanes() {
    }

    /**
     * Widened weights: element e of block b of row r at {@code weights[(b * 32 + e) * ROWS + r]},
     * the row's d at {@code scales[b * ROWS + r]}. The quants: {@code a} in {@link MatrixInput#quantFloats}'s
     * layout, token t's element e of block b at {@code quantAt(t) + b * 4 * WIDTH + (e % 4) * WIDTH + e / 4}
     * ({@link #WIDTH} floats per plane), its d at {@code activationScales[t * blocks + b]}. The three tokens'
     * 16 row outputs go to {@code out} from {@code at0}, {@code at1}, {@code at2} (a negative one is skipped).
     */
    static void threeTokens(float[] weights, float[] scales, int blocks, float[] a, float[] activationScales,
                            int quant0, int quant1, int quant2, int scale0, int scale1, int scale2,
                            float[] out, int at0, int at1, int at2) {
        FloatVector z = FloatVector.zero(SPECIES);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
        FloatVector b0 = z, b1 = z, b2 = z, b3 = z, b4 = z, b5 = z, b6 = z, b7 = z;
        FloatVector c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, c5 = z, c6 = z, c7 = z;
        for (int b = 0; b < blocks; b++) {
            FloatVector dw = FloatVector.fromArray(SPECIES, scales, b * ROWS);
            FloatVector da = dw.mul(activationScales[scale0 + b]);
            FloatVector db = dw.mul(activationScales[scale1 + b]);
            FloatVector dc = dw.mul(activationScales[scale2 + b]);
            int w = b * 32 * ROWS;
            int k = b * 4 * WIDTH;
            // one line per lane: its 4 elements' products summed per token, then scaled into the lane
            FloatVector pa = z, pb = z, pc = z;
            for (int j = 0; j < 4; j++) {
                FloatVector v = FloatVector.fromArray(SPECIES, weights, w + j * ROWS);
                int e = k + j * WIDTH;
                pa = v.fma(FloatVector.broadcast(SPECIES, a[quant0 + e]), pa);
                pb = v.fma(FloatVector.broadcast(SPECIES, a[quant1 + e]), pb);
                pc = v.fma(FloatVector.broadcast(SPECIES, a[quant2 + e]), pc);
            }
            a0 = pa.fma(da, a0);
            b0 = pb.fma(db, b0);
            c0 = pc.fma(dc, c0);
            pa = z;
            pb = z;
            pc = z;
            for (int j = 0; j < 4; j++) {
                FloatVector v = FloatVector.fromArray(SPECIES, weights, w + (4 + j) * ROWS);
                int e = k + j * WIDTH + 1;
                pa = v.fma(FloatVector.broadcast(SPECIES, a[quant0 + e]), pa);
                pb = v.fma(FloatVector.broadcast(SPECIES, a[quant1 + e]), pb);
                pc = v.fma(FloatVector.broadcast(SPECIES, a[quant2 + e]), pc);
            }
            a1 = pa.fma(da, a1);
            b1 = pb.fma(db, b1);
            c1 = pc.fma(dc, c1);
            pa = z;
            pb = z;
            pc = z;
            for (int j = 0; j < 4; j++) {
                FloatVector v = FloatVector.fromArray(SPECIES, weights, w + (8 + j) * ROWS);
                int e = k + j * WIDTH + 2;
                pa = v.fma(FloatVector.broadcast(SPECIES, a[quant0 + e]), pa);
                pb = v.fma(FloatVector.broadcast(SPECIES, a[quant1 + e]), pb);
                pc = v.fma(FloatVector.broadcast(SPECIES, a[quant2 + e]), pc);
            }
            a2 = pa.fma(da, a2);
            b2 = pb.fma(db, b2);
            c2 = pc.fma(dc, c2);
            pa = z;
            pb = z;
            pc = z;
            for (int j = 0; j < 4; j++) {
                FloatVector v = FloatVector.fromArray(SPECIES, weights, w + (12 + j) * ROWS);
                int e = k + j * WIDTH + 3;
                pa = v.fma(FloatVector.broadcast(SPECIES, a[quant0 + e]), pa);
                pb = v.fma(FloatVector.broadcast(SPECIES, a[quant1 + e]), pb);
                pc = v.fma(FloatVector.broadcast(SPECIES, a[quant2 + e]), pc);
            }
            a3 = pa.fma(da, a3);
            b3 = pb.fma(db, b3);
            c3 = pc.fma(dc, c3);
            pa = z;
            pb = z;
            pc = z;
            for (int j = 0; j < 4; j++) {
                FloatVector v = FloatVector.fromArray(SPECIES, weights, w + (16 + j) * ROWS);
                int e = k + j * WIDTH + 4;
                pa = v.fma(FloatVector.broadcast(SPECIES, a[quant0 + e]), pa);
                pb = v.fma(FloatVector.broadcast(SPECIES, a[quant1 + e]), pb);
                pc = v.fma(FloatVector.broadcast(SPECIES, a[quant2 + e]), pc);
            }
            a4 = pa.fma(da, a4);
            b4 = pb.fma(db, b4);
            c4 = pc.fma(dc, c4);
            pa = z;
            pb = z;
            pc = z;
            for (int j = 0; j < 4; j++) {
                FloatVector v = FloatVector.fromArray(SPECIES, weights, w + (20 + j) * ROWS);
                int e = k + j * WIDTH + 5;
                pa = v.fma(FloatVector.broadcast(SPECIES, a[quant0 + e]), pa);
                pb = v.fma(FloatVector.broadcast(SPECIES, a[quant1 + e]), pb);
                pc = v.fma(FloatVector.broadcast(SPECIES, a[quant2 + e]), pc);
            }
            a5 = pa.fma(da, a5);
            b5 = pb.fma(db, b5);
            c5 = pc.fma(dc, c5);
            pa = z;
            pb = z;
            pc = z;
            for (int j = 0; j < 4; j++) {
                FloatVector v = FloatVector.fromArray(SPECIES, weights, w + (24 + j) * ROWS);
                int e = k + j * WIDTH + 6;
                pa = v.fma(FloatVector.broadcast(SPECIES, a[quant0 + e]), pa);
                pb = v.fma(FloatVector.broadcast(SPECIES, a[quant1 + e]), pb);
                pc = v.fma(FloatVector.broadcast(SPECIES, a[quant2 + e]), pc);
            }
            a6 = pa.fma(da, a6);
            b6 = pb.fma(db, b6);
            c6 = pc.fma(dc, c6);
            pa = z;
            pb = z;
            pc = z;
            for (int j = 0; j < 4; j++) {
                FloatVector v = FloatVector.fromArray(SPECIES, weights, w + (28 + j) * ROWS);
                int e = k + j * WIDTH + 7;
                pa = v.fma(FloatVector.broadcast(SPECIES, a[quant0 + e]), pa);
                pb = v.fma(FloatVector.broadcast(SPECIES, a[quant1 + e]), pb);
                pc = v.fma(FloatVector.broadcast(SPECIES, a[quant2 + e]), pc);
            }
            a7 = pa.fma(da, a7);
            b7 = pb.fma(db, b7);
            c7 = pc.fma(dc, c7);
        }
        // ggml's order: ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7))
        a0.add(a4).add(a2.add(a6)).add(a1.add(a5).add(a3.add(a7))).intoArray(out, at0);
        if (at1 >= 0) {
            b0.add(b4).add(b2.add(b6)).add(b1.add(b5).add(b3.add(b7))).intoArray(out, at1);
        }
        if (at2 >= 0) {
            c0.add(c4).add(c2.add(c6)).add(c1.add(c5).add(c3.add(c7))).intoArray(out, at2);
        }
    }
}
