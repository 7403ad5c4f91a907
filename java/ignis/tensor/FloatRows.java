package ignis.tensor;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * {@link QuantFormat#multiplyRows} for F32, F16 and BF16 weights, in both of llama.cpp's orders. Tokens
 * that sum as lone tokens (ggml_vec_dot order; a continuous-batching step of many sequences sums
 * them so) go {@link #LONE_TOKENS} at a time, each weight vector loaded once per tile and
 * fused-multiply-added into every token's accumulators. A token's lanes take exactly the
 * products, in the order, of {@link F32Format#dotVector} or {@link F16Format#dotVector} (per 32
 * values, accumulator j takes values 8j..8j+7; the same reduction and tail), so the bits are the
 * same. Tokens of a batch (a prompt) sum in tinyBLAS order, {@link #BATCH_ROWS} rows by
 * {@link #TILE} tokens per pass, with the bits of {@link GgmlOrder#tinyBlasDot}; with 512-bit
 * vectors two rows per vector ({@link FloatRowPairs}).
 *
 * <p>The activations come as floats ({@link MatrixInput#floats}); F16 rows are widened once, not
 * once per token (widening is exact), and the F16 tail is summed in double as F16's dot does.
 * Up to {@link #HALF_LOADS_WIDENED} lone F16 tokens and no batch-order ones (decode of a few
 * sequences) skip the widened copy: {@link F16Format#dotWidenedActivations} widens each weight as
 * it loads it, for two tokens at a time, which for one token is twice as fast as copying the rows
 * first.
 * Rows go in groups that stay in L2 while every tile passes over them. BF16's lone tokens keep
 * its dot: ggml multiplies and adds there, unfused, and a flag choosing between the two costs
 * the lone tiles a third of their speed; its batch tokens take the tinyBLAS tiles (fused there
 * too), rows widened as F16's are.
 */
final class FloatRows {
    /** Tokens per batch-order tile. */
    static final int TILE = 3;
    /** Lone tokens and rows per lone tile: 8 accumulators, 2 weight vectors and a token vector. */
    static final int LONE_TOKENS = 4;
    static final int LONE_ROWS = 2;
    /** Lone tiles on 512-bit vectors, two of ggml's accumulators per vector, in one pass (see {@link #sumLanesWide}). */
    private static final boolean WIDE = VectorKernels.ROW_BITS == 512;
    /** Rows per batch-order tile: 4 x {@link #TILE} accumulators, 3 token vectors and a weight vector are AVX2's 16 registers. */
    static final int BATCH_ROWS = 4;
    /**
     * Most lone F16 tokens (and no batch-order ones) for which each pass over the weights widens
     * them as it loads them; more tokens widen each row once for all (MultiplyRowsBench: equal at
     * 8 tokens, the widened copy 20% ahead at 16).
     */
    private static final int HALF_LOADS_WIDENED = 8;
    /** Widened rows per group at most: a quarter of a typical L2, room left for the activations. */
    private static final long GROUP_BYTES = 128 << 10;
    private static final int MAX_GROUP = 64;

    /** Per thread: the lone and the batch-order tokens' indices, a group's widened F16 or BF16 rows and a buffer for one, the tiles' lanes. */
    private static final class Scratch {
        int[] lone = new int[0];
        int[] batched = new int[0];
        MemorySegment rows = MemorySegment.NULL;
        float[] buffer = new float[0];
        final float[] lanes = new float[8 * Math.max(LONE_TOKENS * MAX_GROUP, TILE * BATCH_ROWS)];
        /** The lone tiles' accumulators, pass by pass. */
        final float[] passes = new float[4 * 8 * LONE_TOKENS * LONE_ROWS];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private FloatRows() {
    }

    /**
     * Values {@code [0, n)} of an F32, F16 or BF16 row at {@code src}+{@code srcOffset} as floats at
     * {@code dst}+{@code dstOffset}; the others through {@code buffer} (n floats at least): C2 vectorizes
     * the half conversion into an array, not from one segment into another.
     */
    static void widen(GGMLType type, MemorySegment src, long srcOffset, MemorySegment dst, long dstOffset, int n, float[] buffer) {
        if (type == GGMLType.F32) {
            MemorySegment.copy(src, srcOffset, dst, dstOffset, 4L * n);
        } else {
            QuantFormat.of(type).dequantize(src, srcOffset, buffer, 0, n);
            MemorySegment.copy(buffer, 0, dst, LittleEndian.FLOAT, dstOffset, n);
        }
    }

    /** Bytes of a widened row of {@code n} values: a whole number of cache lines, so that each row starts on one. */
    static long widenedBytes(int n) {
        return (4L * n + 63) & -64;
    }

    /** A native segment of at least {@code bytes}, 64-byte aligned: {@code s} where it is large enough. */
    static MemorySegment atLeast(MemorySegment s, long bytes) {
        return s.byteSize() >= bytes ? s : Arena.ofAuto().allocate(bytes, 64);
    }

    /**
     * The contract of {@link QuantFormat#multiplyRows} for {@code format} (F32 or F16) and
     * {@code x} with floats: lone tokens by {@link #multiplyLone}, batch-order tokens by
     * {@link #multiplyBatched}, each group of rows for both while it is in cache.
     */
    static void multiplyRows(BlockFormat format, MemorySegment w, long wRowBytes, int rowStart, int rowEnd,
            MatrixInput x, float[] out, int outOffset, int outStride) {
        int n = x.length();
        boolean half = format.type() == GGMLType.F16;
        boolean brain = format.type() == GGMLType.BF16;
        Scratch s = SCRATCH.get();
        int lone = selectTokens(x, s, false);
        int batched = selectTokens(x, s, true);
        // the rows the tiles read: F32 in place, F16 and BF16 widened (BF16 only for batch tokens);
        // a few lone F16 tokens (decode) widen each weight as they load it instead, two tokens at
        // a time: the first pair brings the group of rows into cache for the others
        boolean halfAlone = half && lone <= HALF_LOADS_WIDENED && batched == 0;
        boolean widenRows = (half && !halfAlone) || (brain && batched > 0);
        long widened = widenedBytes(n);
        int group = (int) Math.max(1, Math.min(MAX_GROUP, GROUP_BYTES / widened));
        if (widenRows) {
            s.rows = atLeast(s.rows, widened * group);
            s.buffer = s.buffer.length >= n ? s.buffer : new float[n];
        }
        for (int g = rowStart; g < rowEnd; g += group) {
            int count = Math.min(group, rowEnd - g);
            MemorySegment rows = w;
            long first = g * wRowBytes;
            long stride = wRowBytes;
            if (widenRows) {
                for (int r = 0; r < count; r++) {
                    widen(format.type(), w, (g + r) * wRowBytes, s.rows, r * widened, n, s.buffer);
                }
                rows = s.rows;
                first = 0;
                stride = widened;
            }
            if (halfAlone) {
                for (int k = 0; k < lone; k += 2) {
                    int t0 = s.lone[k];
                    for (int r = g; r < g + count; r++) {
                        if (k + 1 < lone) {
                            int t1 = s.lone[k + 1];
                            F16Format.dotWidenedActivations(w, r * wRowBytes, x, t0, t1, out,
                                    outOffset + t0 * outStride + r, outOffset + t1 * outStride + r);
                        } else {
                            out[outOffset + t0 * outStride + r] = F16Format.dotWidenedActivations(w, r * wRowBytes, x, t0);
                        }
                    }
                }
            } else if (brain) {
                for (int k = 0; k < lone; k++) {
                    int t = s.lone[k];
                    for (int r = g; r < g + count; r++) {
                        out[outOffset + t * outStride + r] = format.matrixDot(w, r * wRowBytes, x.rows(), t * x.rowBytes(), n, 1);
                    }
                }
            } else {
                multiplyLone(half, rows, first, stride, count, x, s, lone, out, outOffset + g, outStride);
            }
            if (x.hasFloatsTwice) {
                FloatRowPairs.multiply(rows, first, stride, count, x, s.batched, batched, out, outOffset + g, outStride);
            } else {
                multiplyBatched(rows, first, stride, count, x, s, batched, out, outOffset + g, outStride);
            }
        }
    }

    /**
     * The {@code count} rows at {@code first}, {@code stride} bytes apart, times the
     * {@code batched} tokens of {@code s.batched} in tinyBLAS order ({@link GgmlOrder#tinyBlasDot}:
     * one 8-lane accumulator per output, fused multiply-adds along the row, the tail added after),
     * {@link #BATCH_ROWS} rows by {@link #TILE} tokens per pass; a short tile repeats its last row
     * or token, whose output is then written more than once.
     */
    private static void multiplyBatched(MemorySegment rows, long first, long stride, int count, MatrixInput x,
            Scratch s, int batched, float[] out, int at, int outStride) {
        int body = x.length() & -8;
        for (int r0 = 0; r0 < count; r0 += BATCH_ROWS) {
            for (int k = 0; k < batched; k += TILE) {
                sumBatchLanes(rows, first, stride, r0, count, x, s.batched, k, batched, body, s.lanes);
                for (int i = 0; i < BATCH_ROWS && r0 + i < count; i++) {
                    long row = first + (r0 + i) * stride;
                    for (int u = 0; u < TILE && k + u < batched; u++) {
                        int t = s.batched[k + u];
                        out[at + t * outStride + r0 + i] = batchSum(s.lanes, 8 * (TILE * i + u), rows, row, x, t);
                    }
                }
            }
        }
    }

    /**
     * A batch-order output: the 8 lanes at {@code lanes[l]} reduced, then token {@code t}'s
     * products with the row at {@code rows}+{@code row} past the whole 8-value chunks, as
     * {@link GgmlOrder#tinyBlasDot} adds them.
     */
    static float batchSum(float[] lanes, int l, MemorySegment rows, long row, MatrixInput x, int t) {
        float sum = GgmlOrder.sumLanes(lanes[l], lanes[l + 1], lanes[l + 2], lanes[l + 3],
                lanes[l + 4], lanes[l + 5], lanes[l + 6], lanes[l + 7]);
        long a = t * x.floatRowBytes;
        for (int j = x.length() & -8; j < x.length(); j++) {
            sum += product(rows, row, x.floats, a, j);
        }
        return sum;
    }

    /**
     * The accumulators of rows {@code r0..r0+3} (the last of {@code count} standing in past it)
     * and tokens {@code tokens[k..k+2]} (likewise) over the first {@code body} values, into
     * {@code lanes[8 * (TILE * row + token)]}.
     */
    private static void sumBatchLanes(MemorySegment rows, long first, long stride, int r0, int count, MatrixInput x,
            int[] tokens, int k, int batched, int body, float[] lanes) {
        MemorySegment a = x.floats;
        long w0 = first + r0 * stride;
        long w1 = first + Math.min(r0 + 1, count - 1) * stride;
        long w2 = first + Math.min(r0 + 2, count - 1) * stride;
        long w3 = first + Math.min(r0 + 3, count - 1) * stride;
        long a0 = tokens[k] * x.floatRowBytes;
        long a1 = tokens[Math.min(k + 1, batched - 1)] * x.floatRowBytes;
        long a2 = tokens[Math.min(k + 2, batched - 1)] * x.floatRowBytes;
        FloatVector c00 = FloatVector.zero(VectorKernels.FLOAT_256);
        FloatVector c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c30 = c00, c31 = c00, c32 = c00;
        for (int i = 0; i < body; i += 8) {
            long o = 4L * i;
            FloatVector x0 = load(a, a0 + o);
            FloatVector x1 = load(a, a1 + o);
            FloatVector x2 = load(a, a2 + o);
            FloatVector v = load(rows, w0 + o);
            c00 = v.fma(x0, c00);
            c01 = v.fma(x1, c01);
            c02 = v.fma(x2, c02);
            v = load(rows, w1 + o);
            c10 = v.fma(x0, c10);
            c11 = v.fma(x1, c11);
            c12 = v.fma(x2, c12);
            v = load(rows, w2 + o);
            c20 = v.fma(x0, c20);
            c21 = v.fma(x1, c21);
            c22 = v.fma(x2, c22);
            v = load(rows, w3 + o);
            c30 = v.fma(x0, c30);
            c31 = v.fma(x1, c31);
            c32 = v.fma(x2, c32);
        }
        c00.intoArray(lanes, 0);
        c01.intoArray(lanes, 8);
        c02.intoArray(lanes, 16);
        c10.intoArray(lanes, 24);
        c11.intoArray(lanes, 32);
        c12.intoArray(lanes, 40);
        c20.intoArray(lanes, 48);
        c21.intoArray(lanes, 56);
        c22.intoArray(lanes, 64);
        c30.intoArray(lanes, 72);
        c31.intoArray(lanes, 80);
        c32.intoArray(lanes, 88);
    }

    /**
     * The {@code count} rows at {@code first}, {@code stride} bytes apart, times the {@code lone}
     * tokens of {@code s.lone}, into {@code out[at + t * outStride + row]}: the first token alone,
     * then tiles, a last token left over alone too. Alone, with a quarter of a tile's operations per
     * weight, the loads run further ahead of the arithmetic, and this first pass brings the rows
     * from memory about 1.5 times as fast as a tile would; the tiles find them in cache.
     */
    private static void multiplyLone(boolean half, MemorySegment rows, long first, long stride, int count, MatrixInput x,
            Scratch s, int lone, float[] out, int at, int outStride) {
        for (int k = 0; k < lone; ) {
            int tokens = k == 0 ? 1 : Math.min(LONE_TOKENS, lone - k);
            if (tokens == 1) {
                int t = s.lone[k];
                for (int r = 0; r < count; r++) {
                    out[at + t * outStride + r] = dotAlone(half, rows, first + r * stride, x, t);
                }
            } else {
                if (WIDE) {
                    sumLanesWide(rows, first, stride, count, x, s.lone, k, tokens, s.lanes, s.passes);
                } else {
                    sumLanes(rows, first, stride, count, x, s.lone, k, tokens, s.lanes, s.passes);
                }
                for (int r = 0; r < count; r++) {
                    for (int u = 0; u < tokens; u++) {
                        int t = s.lone[k + u];
                        float sum = VectorKernels.reduceLikeGgmlF32(s.lanes, 8 * (LONE_TOKENS * r + u));
                        out[at + t * outStride + r] = addTail(half, sum, rows, first + r * stride, x, t);
                    }
                }
            }
            k += tokens;
        }
    }

    /**
     * Fills {@code s.batched} (when {@code batchOrder}) or {@code s.lone} with the tokens of
     * {@code x} that sum in that order; returns how many.
     */
    private static int selectTokens(MatrixInput x, Scratch s, boolean batchOrder) {
        if (s.lone.length < x.tokens()) {
            s.lone = new int[x.tokens()];
            s.batched = new int[x.tokens()];
        }
        int[] into = batchOrder ? s.batched : s.lone;
        int count = 0;
        for (int t = 0; t < x.tokens(); t++) {
            if ((x.orderTokens(t) >= 2) == batchOrder) {
                into[count++] = t;
            }
        }
        return count;
    }

    /** One token's dot with one row: F32's vector dot over the whole 32-value groups, then the type's tail. */
    private static float dotAlone(boolean half, MemorySegment rows, long row, MatrixInput x, int t) {
        float sum = F32Format.dotVector(rows, row, x.floats, t * x.floatRowBytes, x.length() & -32);
        return addTail(half, sum, rows, row, x, t);
    }

    /**
     * For each of {@code count} rows ({@code stride} bytes apart from {@code first} in
     * {@code rows}) and each token of {@code lone[k..k+tokens)} (a short tile repeats its last
     * token in the free places), X = (acc0 + acc2) + (acc1 + acc3) of its four accumulators over
     * the whole 32-value groups, into {@code lanes[8 * (LONE_TOKENS * row + token)]}.
     * {@link #LONE_ROWS} rows by {@link #LONE_TOKENS} tokens go together, one of the four
     * accumulators per pass along the rows (accumulator j takes values 8j..8j+7 of every 32, in
     * order, so its sums are those of the dot): each pass loads two weight and four token vectors
     * per eight fused multiply-adds, where keeping all four accumulators of every output would
     * leave room for one row and three tokens, sixteen loads per twelve. The rows and tokens are
     * in L1 or L2 by then (the lone first token brought the rows). The row loop is in here, not
     * around the call: the checks before the inner loop are made once per group.
     */
    private static void sumLanes(MemorySegment rows, long first, long stride, int count, MatrixInput x, int[] lone, int k,
            int tokens, float[] lanes, float[] passes) {
        MemorySegment a = x.floats;
        long a0 = lone[k] * x.floatRowBytes;
        long a1 = lone[k + Math.min(1, tokens - 1)] * x.floatRowBytes;
        long a2 = lone[k + Math.min(2, tokens - 1)] * x.floatRowBytes;
        long a3 = lone[k + Math.min(3, tokens - 1)] * x.floatRowBytes;
        // i < body, not i + 32 <= n: only the first makes a counted loop, whose bounds checks C2 hoists
        int body = x.length() & -32;
        for (int r = 0; r < count; r += LONE_ROWS) {
            long w0 = first + r * stride;
            long w1 = first + Math.min(r + 1, count - 1) * stride;
            for (int j = 0; j < 4; j++) {
                FloatVector c00 = FloatVector.zero(VectorKernels.FLOAT_256);
                FloatVector c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
                for (int i = 8 * j; i < body; i += 32) {
                    long o = 4L * i;
                    FloatVector v0 = load(rows, w0 + o);
                    FloatVector v1 = load(rows, w1 + o);
                    FloatVector t = load(a, a0 + o);
                    c00 = v0.fma(t, c00);
                    c10 = v1.fma(t, c10);
                    t = load(a, a1 + o);
                    c01 = v0.fma(t, c01);
                    c11 = v1.fma(t, c11);
                    t = load(a, a2 + o);
                    c02 = v0.fma(t, c02);
                    c12 = v1.fma(t, c12);
                    t = load(a, a3 + o);
                    c03 = v0.fma(t, c03);
                    c13 = v1.fma(t, c13);
                }
                int p = 64 * j;
                c00.intoArray(passes, p);
                c01.intoArray(passes, p + 8);
                c02.intoArray(passes, p + 16);
                c03.intoArray(passes, p + 24);
                c10.intoArray(passes, p + 32);
                c11.intoArray(passes, p + 40);
                c12.intoArray(passes, p + 48);
                c13.intoArray(passes, p + 56);
            }
            for (int q = 0; q < 8 * LONE_TOKENS * LONE_ROWS && r + q / (8 * LONE_TOKENS) < count; q += 8) {
                FloatVector x0 = FloatVector.fromArray(VectorKernels.FLOAT_256, passes, q);
                FloatVector x1 = FloatVector.fromArray(VectorKernels.FLOAT_256, passes, 64 + q);
                FloatVector x2 = FloatVector.fromArray(VectorKernels.FLOAT_256, passes, 128 + q);
                FloatVector x3 = FloatVector.fromArray(VectorKernels.FLOAT_256, passes, 192 + q);
                x0.add(x2).add(x1.add(x3)).intoArray(lanes, 8 * LONE_TOKENS * r + q);
            }
        }
    }

    /**
     * {@link #sumLanes} with 512-bit vectors, in one pass: the 16 values at 32c are those of
     * ggml's accumulators 0 and 1 side by side, the 16 at 32c + 16 those of 2 and 3, so each
     * output keeps two vectors, with the same fused multiply-adds per lane. The two rows and four
     * tokens take 16 accumulators of AVX-512's 32 registers and 12 loads per 16 fused
     * multiply-adds; the rows are read once, in order (two passes over alternate cache lines
     * measured 10-15% slower at 8 tokens). X = (acc0 + acc2) + (acc1 + acc3) is then the low
     * half of the two vectors' sum plus its high half. A body apart from {@link #sumLanes}'s: one
     * body for both widths sees both vector classes and C2 boxes its vectors (see
     * {@link VectorKernels#finiteHalfRows}).
     */
    private static void sumLanesWide(MemorySegment rows, long first, long stride, int count, MatrixInput x, int[] lone, int k,
            int tokens, float[] lanes, float[] passes) {
        MemorySegment a = x.floats;
        long a0 = lone[k] * x.floatRowBytes;
        long a1 = lone[k + Math.min(1, tokens - 1)] * x.floatRowBytes;
        long a2 = lone[k + Math.min(2, tokens - 1)] * x.floatRowBytes;
        long a3 = lone[k + Math.min(3, tokens - 1)] * x.floatRowBytes;
        int body = x.length() & -32;
        for (int r = 0; r < count; r += LONE_ROWS) {
            long w0 = first + r * stride;
            long w1 = first + Math.min(r + 1, count - 1) * stride;
            // cRT: row R, token T, accumulators 0 and 1; dRT: the same, accumulators 2 and 3
            FloatVector c00 = FloatVector.zero(VectorKernels.FLOAT_ROWS);
            FloatVector c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
            FloatVector d00 = c00, d01 = c00, d02 = c00, d03 = c00, d10 = c00, d11 = c00, d12 = c00, d13 = c00;
            for (int i = 0; i < body; i += 32) {
                long o = 4L * i;
                long o2 = o + 64;
                FloatVector v0 = loadRows(rows, w0 + o);
                FloatVector u0 = loadRows(rows, w0 + o2);
                FloatVector v1 = loadRows(rows, w1 + o);
                FloatVector u1 = loadRows(rows, w1 + o2);
                FloatVector t = loadRows(a, a0 + o);
                c00 = v0.fma(t, c00);
                c10 = v1.fma(t, c10);
                t = loadRows(a, a0 + o2);
                d00 = u0.fma(t, d00);
                d10 = u1.fma(t, d10);
                t = loadRows(a, a1 + o);
                c01 = v0.fma(t, c01);
                c11 = v1.fma(t, c11);
                t = loadRows(a, a1 + o2);
                d01 = u0.fma(t, d01);
                d11 = u1.fma(t, d11);
                t = loadRows(a, a2 + o);
                c02 = v0.fma(t, c02);
                c12 = v1.fma(t, c12);
                t = loadRows(a, a2 + o2);
                d02 = u0.fma(t, d02);
                d12 = u1.fma(t, d12);
                t = loadRows(a, a3 + o);
                c03 = v0.fma(t, c03);
                c13 = v1.fma(t, c13);
                t = loadRows(a, a3 + o2);
                d03 = u0.fma(t, d03);
                d13 = u1.fma(t, d13);
            }
            // per output q (row-major, LONE_TOKENS per row): acc0 + acc2 in lanes 0..7, acc1 + acc3 in 8..15
            c00.add(d00).intoArray(passes, 0);
            c01.add(d01).intoArray(passes, 16);
            c02.add(d02).intoArray(passes, 32);
            c03.add(d03).intoArray(passes, 48);
            c10.add(d10).intoArray(passes, 64);
            c11.add(d11).intoArray(passes, 80);
            c12.add(d12).intoArray(passes, 96);
            c13.add(d13).intoArray(passes, 112);
            for (int q = 0; q < LONE_TOKENS * LONE_ROWS && r + q / LONE_TOKENS < count; q++) {
                int at = 8 * LONE_TOKENS * r + 8 * q;
                for (int l = 0; l < 8; l++) {
                    lanes[at + l] = passes[16 * q + l] + passes[16 * q + 8 + l];
                }
            }
        }
    }

    /** {@link VectorKernels#FLOAT_ROWS} floats: a loader of its own, as the 512-bit kernels' helpers are (see {@link VectorKernels#finiteHalfRows}). */
    private static FloatVector loadRows(MemorySegment s, long offset) {
        return FloatVector.fromMemorySegment(VectorKernels.FLOAT_ROWS, s, offset, LittleEndian.ORDER);
    }

    private static FloatVector load(MemorySegment s, long offset) {
        return FloatVector.fromMemorySegment(VectorKernels.FLOAT_256, s, offset, LittleEndian.ORDER);
    }

    /**
     * {@code sum} (over the whole 32-value groups) plus token {@code t}'s products with the row at
     * {@code rows}+{@code row} past them: in float for F32, in double for F16, as their dots add them.
     */
    private static float addTail(boolean half, float sum, MemorySegment rows, long row, MatrixInput x, int t) {
        long a = t * x.floatRowBytes;
        if (half) {
            double wide = sum;
            for (int i = x.length() & -32; i < x.length(); i++) {
                wide += product(rows, row, x.floats, a, i);
            }
            return (float) wide;
        }
        for (int i = x.length() & -32; i < x.length(); i++) {
            sum += product(rows, row, x.floats, a, i);
        }
        return sum;
    }

    private static float product(MemorySegment rows, long row, MemorySegment a, long aOffset, int i) {
        return rows.get(LittleEndian.FLOAT, row + 4L * i) * a.get(LittleEndian.FLOAT, aOffset + 4L * i);
    }
}
