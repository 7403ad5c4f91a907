package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 512-bit prefill kernel of {@link Q8_0x16}: one vector holds a group's 16 rows, and ggml's
 * 8 lanes of a q8_0 dot are taken two at a time (lanes l and l + 4, a "pair"), six tokens per pass.
 * Lane l of a row and token sums its block's elements 4l..4l+3 exactly (integer products below
 * 2^24 in floats, so in any order), then takes one fused multiply-add with d_w * d_x, block after
 * block: the sums and roundings of ggml's AVX2 q8_0 dot, lane for lane. The lanes never meet
 * before the final reduction ({@link #reduce}), so they can be summed in separate passes: a
 * pass reads a quarter of the group's widened weights, which stays in L1 across all tokens, and
 * loads each weight vector once for six tokens' fused multiply-adds.
 */
final class Q8_0LanePairs {
    static final int ROWS = 16;
    /** Tokens per pass: 12 accumulators, 6 scale vectors and their temporaries fill the 32 registers. */
    static final int TOKENS = 6;
    /** Lane pairs of a block: lanes p and p + 4 for p in [0, 4). */
    static final int PAIRS = 4;
    /** Floats of one token's lanes in {@link #sixTokens}' output: 8 lanes of 16 rows. */
    static final int LANE_FLOATS = 8 * ROWS;
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_512;

    private Q8_0LanePairs() {
    }

    /** The block element in slot {@code s} of a block's 32 lane-pair floats: pair-major, 8 per pair (lane p's 4 elements, then lane p + 4's). */
    static int elementOfSlot(int s) {
        int pair = s / 8;
        int lane = pair + PAIRS * (s % 8 / 4);
        return 4 * lane + s % 4;
    }

    /**
     * The lanes {@code pair} and {@code pair + 4} of six tokens. Weights: the pair's
     * slot {@code i} (of 8, see {@link #elementOfSlot}) of block b of row r at
     * {@code weights[weightsAt + (b * 8 + i) * ROWS + r]}, the rows' d at {@code weightScales[b * ROWS + r]}.
     * Token u's (u in [0, 6)) quants for the pair at {@code quants[quantsAt + u * blocks * 8 + b * 8 + i]}, its d
     * at {@code quantScales[scalesAt + u * blocks + b]}. Its lane l's 16 row sums go to
     * {@code lanes[lanesAt + u * LANE_FLOATS + l * ROWS]}.
     */
    static void sixTokens(float[] weights, int weightsAt, float[] weightScales, int blocks,
                          float[] quants, int quantsAt, float[] quantScales, int scalesAt,
                          float[] lanes, int lanesAt, int pair) {
        FloatVector z = FloatVector.zero(SPECIES);
        // c: lane pair, e: lane pair + 4; one each per token
        FloatVector c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, c5 = z;
        FloatVector e0 = z, e1 = z, e2 = z, e3 = z, e4 = z, e5 = z;
        int stride = blocks * 8;
        int x0 = quantsAt, x1 = x0 + stride, x2 = x1 + stride, x3 = x2 + stride, x4 = x3 + stride, x5 = x4 + stride;
        int s0 = scalesAt, s1 = s0 + blocks, s2 = s1 + blocks, s3 = s2 + blocks, s4 = s3 + blocks, s5 = s4 + blocks;
        for (int b = 0; b < blocks; b++) {
            FloatVector dw = FloatVector.fromArray(SPECIES, weightScales, b * ROWS);
            FloatVector d0 = dw.mul(quantScales[s0 + b]), d1 = dw.mul(quantScales[s1 + b]), d2 = dw.mul(quantScales[s2 + b]);
            FloatVector d3 = dw.mul(quantScales[s3 + b]), d4 = dw.mul(quantScales[s4 + b]), d5 = dw.mul(quantScales[s5 + b]);
            int w = weightsAt + b * 8 * ROWS;
            int k = b * 8;
            // the two lanes written out in full: a helper would have to return six vectors, which
            // C2 boxes. Lane `pair`: elements 0..3 of the pair's 8
            FloatVector v = FloatVector.fromArray(SPECIES, weights, w);
            FloatVector p0 = v.mul(quants[x0 + k]), p1 = v.mul(quants[x1 + k]), p2 = v.mul(quants[x2 + k]);
            FloatVector p3 = v.mul(quants[x3 + k]), p4 = v.mul(quants[x4 + k]), p5 = v.mul(quants[x5 + k]);
            for (int j = 1; j < 4; j++) {
                v = FloatVector.fromArray(SPECIES, weights, w + j * ROWS);
                p0 = v.fma(FloatVector.broadcast(SPECIES, quants[x0 + k + j]), p0);
                p1 = v.fma(FloatVector.broadcast(SPECIES, quants[x1 + k + j]), p1);
                p2 = v.fma(FloatVector.broadcast(SPECIES, quants[x2 + k + j]), p2);
                p3 = v.fma(FloatVector.broadcast(SPECIES, quants[x3 + k + j]), p3);
                p4 = v.fma(FloatVector.broadcast(SPECIES, quants[x4 + k + j]), p4);
                p5 = v.fma(FloatVector.broadcast(SPECIES, quants[x5 + k + j]), p5);
            }
            c0 = p0.fma(d0, c0);
            c1 = p1.fma(d1, c1);
            c2 = p2.fma(d2, c2);
            c3 = p3.fma(d3, c3);
            c4 = p4.fma(d4, c4);
            c5 = p5.fma(d5, c5);
            // lane `pair + 4`: elements 4..7
            v = FloatVector.fromArray(SPECIES, weights, w + 4 * ROWS);
            p0 = v.mul(quants[x0 + k + 4]);
            p1 = v.mul(quants[x1 + k + 4]);
            p2 = v.mul(quants[x2 + k + 4]);
            p3 = v.mul(quants[x3 + k + 4]);
            p4 = v.mul(quants[x4 + k + 4]);
            p5 = v.mul(quants[x5 + k + 4]);
            for (int j = 5; j < 8; j++) {
                v = FloatVector.fromArray(SPECIES, weights, w + j * ROWS);
                p0 = v.fma(FloatVector.broadcast(SPECIES, quants[x0 + k + j]), p0);
                p1 = v.fma(FloatVector.broadcast(SPECIES, quants[x1 + k + j]), p1);
                p2 = v.fma(FloatVector.broadcast(SPECIES, quants[x2 + k + j]), p2);
                p3 = v.fma(FloatVector.broadcast(SPECIES, quants[x3 + k + j]), p3);
                p4 = v.fma(FloatVector.broadcast(SPECIES, quants[x4 + k + j]), p4);
                p5 = v.fma(FloatVector.broadcast(SPECIES, quants[x5 + k + j]), p5);
            }
            e0 = p0.fma(d0, e0);
            e1 = p1.fma(d1, e1);
            e2 = p2.fma(d2, e2);
            e3 = p3.fma(d3, e3);
            e4 = p4.fma(d4, e4);
            e5 = p5.fma(d5, e5);
        }
        int at = lanesAt + pair * ROWS;
        c0.intoArray(lanes, at);
        c1.intoArray(lanes, at + LANE_FLOATS);
        c2.intoArray(lanes, at + 2 * LANE_FLOATS);
        c3.intoArray(lanes, at + 3 * LANE_FLOATS);
        c4.intoArray(lanes, at + 4 * LANE_FLOATS);
        c5.intoArray(lanes, at + 5 * LANE_FLOATS);
        at += PAIRS * ROWS;
        e0.intoArray(lanes, at);
        e1.intoArray(lanes, at + LANE_FLOATS);
        e2.intoArray(lanes, at + 2 * LANE_FLOATS);
        e3.intoArray(lanes, at + 3 * LANE_FLOATS);
        e4.intoArray(lanes, at + 4 * LANE_FLOATS);
        e5.intoArray(lanes, at + 5 * LANE_FLOATS);
    }

    /** One token's 16 row results from its 8 lanes at {@code lanes[at]}, in ggml's order ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)), into {@code out[outAt..+16)}. */
    static void reduce(float[] lanes, int at, float[] out, int outAt) {
        FloatVector l0 = FloatVector.fromArray(SPECIES, lanes, at);
        FloatVector l1 = FloatVector.fromArray(SPECIES, lanes, at + ROWS);
        FloatVector l2 = FloatVector.fromArray(SPECIES, lanes, at + 2 * ROWS);
        FloatVector l3 = FloatVector.fromArray(SPECIES, lanes, at + 3 * ROWS);
        FloatVector l4 = FloatVector.fromArray(SPECIES, lanes, at + 4 * ROWS);
        FloatVector l5 = FloatVector.fromArray(SPECIES, lanes, at + 5 * ROWS);
        FloatVector l6 = FloatVector.fromArray(SPECIES, lanes, at + 6 * ROWS);
        FloatVector l7 = FloatVector.fromArray(SPECIES, lanes, at + 7 * ROWS);
        l0.add(l4).add(l2.add(l6)).add(l1.add(l5).add(l3.add(l7))).intoArray(out, outAt);
    }
}
