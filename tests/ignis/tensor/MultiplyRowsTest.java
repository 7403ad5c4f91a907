package ignis.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link QuantFormat#multiplyRows}, the kernels that take several weight rows per pass over
 * unpacked activations: each output has exactly the bits of {@link QuantFormat#matrixDot} for its
 * row and token (whose bits llama.cpp's are, see LlamaCppParityTest and ModelTypesTest), and is
 * near a float64 product of the dequantized values.
 */
class MultiplyRowsTest {
    private static final GGMLType[] TYPES = {GGMLType.F32, GGMLType.F16, GGMLType.BF16, GGMLType.Q8_0, GGMLType.Q4_0,
        GGMLType.Q4_1, GGMLType.Q5_0, GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K};

    @Test
    void everyOutputHasTheBitsOfItsMatrixDot() {
        SplittableRandom random = new SplittableRandom(11);
        for (GGMLType type : TYPES) {
            for (int tokens : new int[] {1, 3}) {
                // odd row counts and ranges that start mid-matrix exercise the one-row remainders
                check(random, type, 7, 512, tokens, 1, 6);
                check(random, type, 4, 256, tokens, 0, 4);
            }
        }
    }

    /**
     * The float types with every mix of summation orders a batch of sequences makes (see
     * {@link MatrixInput#setSumOrder}): lone tokens take F32's and F16's token tiles
     * ({@link FloatRows}: one token alone, tiles of {@link FloatRows#LONE_TOKENS}, a short tile, a last
     * token alone), batch-order tokens tinyBLAS; lengths that leave a tail past the last 32
     * values, or no 32 at all, or so long that {@link FloatRowPairs} takes the batch in chunks of
     * tokens (6 at 4103 values); ranges of rows within one group of rows and across two.
     */
    @Test
    void floatTypesHaveTheBitsOfMatrixDotForEveryMixOfOrders() {
        SplittableRandom random = new SplittableRandom(13);
        for (GGMLType type : new GGMLType[] {GGMLType.F32, GGMLType.F16, GGMLType.BF16}) {
            for (int n : new int[] {512, 269, 40, 7, 4103}) {
                for (int tokens = 1; tokens <= 9; tokens++) {
                    boolean[] mixed = new boolean[tokens];
                    for (int t = 0; t < tokens; t++) {
                        mixed[t] = t % 3 == 1 || t == 4;
                    }
                    boolean[] allBatch = new boolean[tokens];
                    Arrays.fill(allBatch, true);
                    for (boolean[] order : new boolean[][] {new boolean[tokens], allBatch, mixed}) {
                        check(random, type, 7, n, tokens, 1, 6, order);
                        check(random, type, 5, n, tokens, 0, 5, order);
                        // more rows than a group (64 rows of these lengths), the last group short
                        check(random, type, 70, n, tokens, 2, 70, order);
                    }
                }
            }
        }
    }

    @Test
    void aMinus128ActivationTakesTheGeneralPath() {
        SplittableRandom random = new SplittableRandom(12);
        int n = 64;
        MatrixInput x = new MatrixInput(GGMLType.Q8_0);
        MemorySegment a = FormatTestSupport.quantizedRows(random, GGMLType.Q8_0, 1, n);
        a.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 2 + 5, (byte) -128);
        x.set(a, GGMLType.Q8_0.bytesFor(n), n, 1);
        assertFalse(x.unpacked);
        MemorySegment w = FormatTestSupport.quantizedRows(random, GGMLType.Q8_0, 4, n);
        w.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 2 + 5, (byte) -128);
        float[] out = poisoned(4);
        QuantFormat.of(GGMLType.Q8_0).multiplyRows(w, GGMLType.Q8_0.bytesFor(n), 0, 4, x, out, 0, 4);
        for (int r = 0; r < 4; r++) {
            assertEquals(QuantFormat.of(GGMLType.Q8_0).dot(w, r * GGMLType.Q8_0.bytesFor(n), a, 0, n), out[r]);
        }
    }

    @Test
    void activationRowsThatDoNotFitAreRejected() {
        MatrixInput x = new MatrixInput(GGMLType.Q8_0);
        MemorySegment small = MemorySegment.ofArray(new byte[34]);
        IgnisException e = assertThrows(IgnisException.class, () -> x.set(small, 34, 64, 1));
        assertTrue(e.getMessage().contains("Q8_0"), e.getMessage());
    }

    private static void check(SplittableRandom random, GGMLType type, int rows, int n, int tokens, int rowStart, int rowEnd) {
        check(random, type, rows, n, tokens, rowStart, rowEnd, null);
    }

    /** As {@link #check(SplittableRandom, GGMLType, int, int, int, int, int)} with each token's order (null: as the token count says). */
    private static void check(SplittableRandom random, GGMLType type, int rows, int n, int tokens, int rowStart, int rowEnd,
            boolean[] batchOrder) {
        QuantFormat format = QuantFormat.of(type);
        GGMLType activationType = format.activationType();
        long wRowBytes = type.bytesFor(n);
        long aRowBytes = activationType.bytesFor(n);
        MemorySegment w = FormatTestSupport.quantizedRows(random, type, rows, n);
        MemorySegment a = FormatTestSupport.quantizedRows(random, activationType, tokens, n);
        MatrixInput x = new MatrixInput(activationType);
        x.set(a, aRowBytes, n, tokens);
        x.setSumOrder(batchOrder);
        x.prepareFor(type);
        if (VectorKernels.ENABLED && (activationType == GGMLType.Q8_0 || activationType == GGMLType.Q8_K)) {
            assertTrue(x.unpacked, type + ": activations from our quantizer unpack");
        }
        if (VectorKernels.ENABLED && (type == GGMLType.F32 || type == GGMLType.F16)) {
            assertTrue(x.hasFloats, type + ": floats for the token tiles, in either order");
        }
        if (VectorKernels.ENABLED && type == GGMLType.BF16) {
            boolean anyBatchOrder = false;
            for (int t = 0; t < tokens; t++) {
                anyBatchOrder |= x.orderTokens(t) >= 2;
            }
            assertEquals(anyBatchOrder, x.hasFloats, "BF16: floats for the batch-order tiles only");
        }
        float[] out = poisoned(rows * tokens);
        format.multiplyRows(w, wRowBytes, rowStart, rowEnd, x, out, 0, rows);
        float[] wf = new float[n];
        float[] af = new float[n];
        for (int t = 0; t < tokens; t++) {
            QuantFormat.of(activationType).dequantize(a, t * aRowBytes, af, 0, n);
            for (int r = 0; r < rows; r++) {
                float got = out[t * rows + r];
                if (r < rowStart || r >= rowEnd) {
                    assertTrue(Float.isNaN(got), type + ": row " + r + " outside the range was written");
                    continue;
                }
                float expected = format.matrixDot(w, r * wRowBytes, a, t * aRowBytes, n, x.orderTokens(t));
                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(got),
                        type + " n " + n + " row " + r + " token " + t + " of " + tokens + " (order " + x.orderTokens(t) + "): "
                                + got + " vs matrixDot " + expected);
                format.dequantize(w, r * wRowBytes, wf, 0, n);
                double exact = 0;
                double scale = 0;
                for (int i = 0; i < n; i++) {
                    exact += (double) wf[i] * af[i];
                    scale += Math.abs((double) wf[i] * af[i]);
                }
                // Q8_1 carries its quant sum as fp16 (ggml's s = d * sum q), which Q4_1's min term reads
                double tolerance = activationType == GGMLType.Q8_1 ? 1e-3 : 1e-5;
                assertEquals(exact, got, tolerance * scale + 1e-6, type + " row " + r + " token " + t + " vs float64");
            }
        }
    }

    private static float[] poisoned(int n) {
        float[] out = new float[n];
        Arrays.fill(out, Float.NaN);
        return out;
    }
}
