package ignis.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link PackedMatrix}: the repacked Q4_0, Q4_K, Q5_K, Q6_K, Q8_0, Q5_0 and Q4_1 kernels give every row exactly the bits of
 * {@link QuantFormat#matrixDot} on the original tensor (llama.cpp's repacked order, checked
 * against llama.cpp in ModelTypesTest), for whole groups, partial groups at either end of a
 * range, several tokens, and activations it cannot take unpacked.
 */
class PackedMatrixTest {
    private static final int N = 256;
    /** Whole groups (four of 16 rows, or two of 32: see {@link VectorKernels#LANE_ROWS}) and 5 rows outside any group. */
    private static final int ROWS = 69;

    @Test
    void everyRowHasTheBitsOfItsMatrixDot() {
        for (GGMLType type : new GGMLType[] {GGMLType.Q4_0, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K, GGMLType.Q8_0, GGMLType.Q5_0,
            GGMLType.Q4_1}) {
            everyRowHasTheBitsOfItsMatrixDot(type, 2 * N);
        }
    }

    private void everyRowHasTheBitsOfItsMatrixDot(GGMLType type, int n) {
        SplittableRandom random = new SplittableRandom(21);
        Tensor w = tensor(random, type, ROWS, n);
        PackedMatrix packed = PackedMatrix.of(w);
        assertNotNull(packed, type + " packs where 256-bit vectors exist");
        assertEquals(ROWS / packed.groupRows, packed.groups());
        packed.pack(0, 1);
        packed.pack(1, packed.groups());
        GGMLType activationType = w.format().activationType();
        for (int tokens : new int[] {1, 3}) {
            MemorySegment a = FormatTestSupport.quantizedRows(random, activationType, tokens, n);
            MatrixInput x = new MatrixInput(activationType);
            x.set(a, activationType.bytesFor(n), n, tokens);
            assertTrue(x.unpacked);
            // the decode kernels first, then the layouts prepareFor adds (Q8_0's float kernel from 3 tokens)
            for (boolean prepared : new boolean[] {false, true}) {
                if (prepared) {
                    x.prepareFor(type);
                }
                check(w, packed, x, a, 0, ROWS);
                check(w, packed, x, a, 3, ROWS - 2);
                check(w, packed, x, a, 16, 32);
                check(w, packed, x, a, 32, 64);
                check(w, packed, x, a, 5, 12);
            }
        }
    }

    /**
     * Q8_0, Q5_0 and Q4_1 from {@link Q8_0x16#FLOAT_TOKENS} tokens on take the float prefill
     * kernels ({@link Q8_0LanePairs} at 512 bits, the tile kernel at 256, as the test run's
     * vectors are): token counts that leave a partial pass of either (six tokens; two vectors of
     * {@link Q8_0x16#PLANE_TOKENS} tokens) and that cross a chunk of the lane-pair kernel (48 tokens),
     * from one below the float kernel's first token count on,
     * and quants of -128 in the activations and in Q8_0 weights (Q5_0 and Q4_1 values never
     * reach it), which the 16-bit decode kernel does not take.
     */
    @Test
    void int8PrefillHasTheBitsOfMatrixDot() {
        SplittableRandom random = new SplittableRandom(24);
        int n = 128;
        for (GGMLType type : new GGMLType[] {GGMLType.Q8_0, GGMLType.Q5_0, GGMLType.Q4_1}) {
            GGMLType activationType = QuantFormat.of(type).activationType();
            int quantsOffset = activationType == GGMLType.Q8_1 ? Q8_1Format.QS : 2;
            int first = Q8_0x16.FLOAT_TOKENS;
            for (int tokens : new int[] {first - 1, first, first + 1, first + 2, first + 3, first + 4, first + 5, first + 37}) {
                Tensor w = tensor(random, type, ROWS, n);
                MemorySegment a = FormatTestSupport.quantizedRows(random, activationType, tokens, n);
                long rowBytes = activationType.bytesFor(n);
                for (int j = 0; j < 12; j++) {
                    a.set(ValueLayout.JAVA_BYTE, random.nextInt(tokens) * rowBytes + activationType.blockBytes * random.nextInt(4)
                            + quantsOffset + random.nextInt(32), (byte) -128);
                    if (type == GGMLType.Q8_0) {
                        w.data().set(ValueLayout.JAVA_BYTE, random.nextInt(ROWS) * w.rowBytes() + 34 * random.nextInt(4) + 2 + random.nextInt(32), (byte) -128);
                    }
                }
                PackedMatrix packed = PackedMatrix.of(w);
                packed.pack(0, packed.groups());
                MatrixInput x = inPieces(activationType);
                x.set(a, rowBytes, n, tokens);
                x.prepareFor(type);
                assertEquals(tokens >= Q8_0x16.FLOAT_TOKENS, x.hasQuantFloats, type + " " + tokens + " tokens");
                check(w, packed, x, a, 0, ROWS);
                check(w, packed, x, a, 3, ROWS - 2);
            }
        }
    }

    /**
     * Rows longer than {@link Q8_0x16#CHUNK_BLOCKS} blocks are packed chunk by chunk (a last,
     * shorter chunk here) and decoded all pairs through a chunk at a time: every kernel of Q8_0,
     * Q5_0 and Q4_1 keeps the bits of the row's own dot (decode, 16-bit pairs, float prefill).
     */
    @Test
    void rowsOfSeveralChunksHaveTheBitsOfMatrixDot() {
        SplittableRandom random = new SplittableRandom(27);
        int n = 32 * (2 * Q8_0x16.CHUNK_BLOCKS + 3);
        for (GGMLType type : new GGMLType[] {GGMLType.Q8_0, GGMLType.Q5_0, GGMLType.Q4_1}) {
            GGMLType activationType = QuantFormat.of(type).activationType();
            Tensor w = tensor(random, type, ROWS, n);
            PackedMatrix packed = PackedMatrix.of(w);
            packed.pack(0, packed.groups());
            for (int tokens : new int[] {1, 4, Q8_0x16.FLOAT_TOKENS + 1}) {
                MemorySegment a = FormatTestSupport.quantizedRows(random, activationType, tokens, n);
                MatrixInput x = new MatrixInput(activationType);
                x.set(a, activationType.bytesFor(n), n, tokens);
                x.prepareFor(type);
                check(w, packed, x, a, 0, ROWS);
                check(w, packed, x, a, 16, 48);
            }
        }
    }

    /**
     * With 512-bit vectors, Q8_0, Q5_0 and Q4_1 batches from {@link Q8_0Format#PREFILL_TOKENS}
     * tokens to below {@link Q8_0x16#FLOAT_TOKENS} whose activations have no -128 take the 16-bit
     * kernel two tokens at a time: odd and even token counts, Q8_0 weights of -128 (which two
     * 16-bit products still hold).
     */
    @Test
    void sixteenBitPrefillHasTheBitsOfMatrixDot() {
        SplittableRandom random = new SplittableRandom(26);
        int n = 128;
        for (GGMLType type : new GGMLType[] {GGMLType.Q8_0, GGMLType.Q5_0, GGMLType.Q4_1}) {
            GGMLType activationType = QuantFormat.of(type).activationType();
            for (int tokens : new int[] {3, 4, Q8_0x16.FLOAT_TOKENS - 1}) {
                Tensor w = tensor(random, type, ROWS, n);
                for (int j = 0; j < 12 && type == GGMLType.Q8_0; j++) {
                    w.data().set(ValueLayout.JAVA_BYTE, random.nextInt(ROWS) * w.rowBytes() + 34 * random.nextInt(4) + 2 + random.nextInt(32), (byte) -128);
                }
                PackedMatrix packed = PackedMatrix.of(w);
                packed.pack(0, packed.groups());
                MemorySegment a = FormatTestSupport.quantizedRows(random, activationType, tokens, n);
                MatrixInput x = new MatrixInput(activationType);
                x.set(a, activationType.bytesFor(n), n, tokens);
                x.prepareFor(type);
                assertEquals(Q8_0x16.WIDE, x.hasQuantsTwice, type + " " + tokens + " tokens");
                check(w, packed, x, a, 0, ROWS);
                check(w, packed, x, a, 3, ROWS - 2);
            }
        }
    }

    /**
     * Q4_0 and Q4_K batches of a tile of tokens or more ({@link Q4_0x16#TILE_TOKENS},
     * {@link Q4_Kx16#TILE_TOKENS}) take the many-token kernels: whole tiles, a partial last
     * tile, and activations with a -128 (not unpacked: the source's kernel).
     */
    @Test
    void manyTokenKernelsHaveTheBitsOfMatrixDot() {
        manyTokenKernelHasTheBitsOfMatrixDot(GGMLType.Q4_0, Q4_0x16.TILE_TOKENS, 2, 34);
        manyTokenKernelHasTheBitsOfMatrixDot(GGMLType.Q4_K, Q4_Kx16.TILE_TOKENS, 4, 292);
    }

    /** {@code quants} and {@code blockBytes}: where a block's quants start in its activation rows, and their block size. */
    private void manyTokenKernelHasTheBitsOfMatrixDot(GGMLType type, int tile, int quants, int blockBytes) {
        SplittableRandom random = new SplittableRandom(25);
        GGMLType activationType = QuantFormat.of(type).activationType();
        int n = 2 * N;
        for (int tokens : new int[] {tile, 2 * tile + 1, 3 * tile}) {
            for (boolean withMinus128 : new boolean[] {false, true}) {
                Tensor w = tensor(random, type, ROWS, n);
                PackedMatrix packed = PackedMatrix.of(w);
                packed.pack(0, packed.groups());
                MemorySegment a = FormatTestSupport.quantizedRows(random, activationType, tokens, n);
                long rowBytes = activationType.bytesFor(n);
                if (withMinus128) {
                    a.set(ValueLayout.JAVA_BYTE, random.nextInt(tokens) * rowBytes
                            + (long) blockBytes * random.nextInt((int) (rowBytes / blockBytes)) + quants + random.nextInt(32), (byte) -128);
                }
                MatrixInput x = inPieces(activationType);
                x.set(a, rowBytes, n, tokens);
                x.prepareFor(type);
                assertEquals(!withMinus128, x.hasTileQuants, type + " " + tokens + " tokens");
                check(w, packed, x, a, 0, ROWS);
                check(w, packed, x, a, 3, ROWS - 2);
            }
        }
    }

    /**
     * An input whose per-token work runs one item at a time, last first, as a thread pool could
     * split and order it: no range may rely on another's (a -128 seen in any one of them counts).
     */
    private static MatrixInput inPieces(GGMLType activationType) {
        MatrixInput x = new MatrixInput(activationType);
        x.setTokenLoop((count, range) -> {
            for (int i = count - 1; i >= 0; i--) {
                range.run(i, i + 1);
            }
        });
        return x;
    }

    /** Q4_0's packed scales are fp16 bits widened in the kernel, which covers finite values only. */
    @Test
    void aNonFiniteQ4_0ScaleTakesTheSourceKernel() {
        SplittableRandom random = new SplittableRandom(27);
        for (float scale : new float[] {Float.POSITIVE_INFINITY, Float.NaN, 65504f, 0x1p-24f}) {
            Tensor w = tensor(random, GGMLType.Q4_0, ROWS, N);
            LittleEndian.putHalf(w.data(), 7 * w.rowBytes() + Q4_0Format.BYTES, scale);
            PackedMatrix packed = PackedMatrix.of(w);
            packed.pack(0, packed.groups());
            MemorySegment a = FormatTestSupport.quantizedRows(random, GGMLType.Q8_0, 1, N);
            MatrixInput x = new MatrixInput(GGMLType.Q8_0);
            x.set(a, GGMLType.Q8_0.bytesFor(N), N, 1);
            assertEquals(Float.isFinite(scale), packed.usesPacked(x), "scale " + scale);
            check(w, packed, x, a, 0, ROWS);
        }
    }

    @Test
    void activationsThatCannotBeUnpackedUseTheSource() {
        SplittableRandom random = new SplittableRandom(22);
        Tensor w = tensor(random, GGMLType.Q4_0, ROWS, N);
        PackedMatrix packed = PackedMatrix.of(w);
        packed.pack(0, packed.groups());
        MemorySegment a = FormatTestSupport.quantizedRows(random, GGMLType.Q8_0, 1, N);
        a.set(ValueLayout.JAVA_BYTE, 2 + 9, (byte) -128);
        MatrixInput x = new MatrixInput(GGMLType.Q8_0);
        x.set(a, GGMLType.Q8_0.bytesFor(N), N, 1);
        check(w, packed, x, a, 0, ROWS);
    }

    /** The suite's runs at both widths (pom.xml) run what they ask for: a row per 16-bit lane. */
    @Test
    void rowBitsChooseTheLanePerRowGroups() {
        String asked = System.getProperty("ignis.rowBits");
        if (asked != null) {
            assertEquals(Integer.parseInt(asked), VectorKernels.ROW_BITS);
        }
        SplittableRandom random = new SplittableRandom(26);
        for (GGMLType type : new GGMLType[] {GGMLType.Q4_0, GGMLType.Q4_K}) {
            assertEquals(VectorKernels.ROW_BITS / 16, PackedMatrix.of(tensor(random, type, ROWS, N)).groupRows, type.name());
        }
    }

    /** Row ranges that the matrix loop splits on {@link RowVectors#GROUP_ROWS} keep every packed group whole. */
    @Test
    void theSplitGranuleHoldsWholeGroupsOfEveryPackedFormat() {
        SplittableRandom random = new SplittableRandom(27);
        for (GGMLType type : new GGMLType[] {GGMLType.Q4_0, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K,
                GGMLType.Q8_0, GGMLType.Q5_0, GGMLType.Q4_1}) {
            int groupRows = PackedMatrix.of(tensor(random, type, ROWS, N)).groupRows;
            assertEquals(0, RowVectors.GROUP_ROWS % groupRows, type + ": groups of " + groupRows + " rows");
        }
    }

    @Test
    void otherFormatsAndSmallMatricesAreNotPacked() {
        SplittableRandom random = new SplittableRandom(23);
        assertNull(PackedMatrix.of(tensor(random, GGMLType.Q4_0, 15, N)));
        assertNull(PackedMatrix.of(tensor(random, GGMLType.BF16, ROWS, N)));
    }

    private static void check(Tensor w, PackedMatrix packed, MatrixInput x, MemorySegment a, int rowStart, int rowEnd) {
        int tokens = x.tokens();
        float[] out = new float[ROWS * tokens];
        Arrays.fill(out, Float.NaN);
        packed.multiplyRows(rowStart, rowEnd, x, out, 0, ROWS);
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < ROWS; r++) {
                float got = out[t * ROWS + r];
                if (r < rowStart || r >= rowEnd) {
                    assertTrue(Float.isNaN(got), "row " + r + " outside [" + rowStart + ", " + rowEnd + ") was written");
                    continue;
                }
                float expected = w.format().matrixDot(w.data(), r * w.rowBytes(), a, t * x.rowBytes(), x.length(), tokens);
                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(got),
                        w.type() + " row " + r + " token " + t + " of [" + rowStart + ", " + rowEnd + "): " + got + " vs " + expected);
            }
        }
    }

    private static Tensor tensor(SplittableRandom random, GGMLType type, int rows, int n) {
        return new Tensor("blk.0.test.weight", type, new long[] {n, rows}, FormatTestSupport.quantizedRows(random, type, rows, n));
    }

}
