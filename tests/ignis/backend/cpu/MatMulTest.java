package ignis.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.tensor.GGMLType;
import ignis.tensor.QuantFormat;
import ignis.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link MatMul}'s products of several matrices in one parallel loop: each output has the bits
 * of the same product run alone, and that is near a float64 product. Row counts that are not
 * whole granules (16 rows) check that each matrix's rows start on a granule of the loop.
 */
class MatMulTest {
    private static final int LENGTH = 256;

    @Test
    void productsInOneLoopEqualProductsAlone() {
        SplittableRandom random = new SplittableRandom(21);
        try (WorkerPool pool = new WorkerPool(2)) {
            MatMul matMul = new MatMul(pool);
            // Q4_0 and Q8_0 run repacked kernels, Q6_K the file layout's
            Tensor a = matrix(random, "a", GGMLType.Q4_0, 40);
            Tensor b = matrix(random, "b", GGMLType.Q8_0, 24);
            Tensor c = matrix(random, "c", GGMLType.Q6_K, 72);
            for (Tensor w : new Tensor[] {a, b, c}) {
                matMul.pack(w);
            }
            for (int tokens : new int[] {1, 5}) {
                float[] x = new float[tokens * LENGTH];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                Activations input = new Activations(tokens, LENGTH);
                input.set(x, tokens, LENGTH);

                float[][] alone = new float[3][];
                Tensor[] ws = {a, b, c};
                for (int m = 0; m < 3; m++) {
                    alone[m] = nans(tokens * ws[m].rowCount());
                    matMul.multiply(ws[m], input, alone[m]);
                    assertNearFloat64(ws[m], x, tokens, alone[m]);
                }
                float[] three0 = nans(alone[0].length);
                float[] three1 = nans(alone[1].length);
                float[] three2 = nans(alone[2].length);
                matMul.multiply(a, b, c, input, three0, three1, three2);
                assertEquals(Arrays.toString(alone[0]), Arrays.toString(three0), tokens + " tokens: first of three");
                assertEquals(Arrays.toString(alone[1]), Arrays.toString(three1), tokens + " tokens: second of three");
                assertEquals(Arrays.toString(alone[2]), Arrays.toString(three2), tokens + " tokens: third of three");

                float[] two0 = nans(alone[1].length);
                float[] two1 = nans(alone[0].length);
                matMul.multiply(b, a, input, two0, two1);
                assertEquals(Arrays.toString(alone[1]), Arrays.toString(two0), tokens + " tokens: first of two");
                assertEquals(Arrays.toString(alone[0]), Arrays.toString(two1), tokens + " tokens: second of two");
            }
        }
    }

    private static Tensor matrix(SplittableRandom random, String name, GGMLType type, int rows) {
        MemorySegment data = MemorySegment.ofArray(new byte[(int) (type.bytesFor(LENGTH) * rows)]);
        float[] row = new float[LENGTH];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < LENGTH; i++) {
                row[i] = (float) random.nextGaussian();
            }
            QuantFormat.of(type).quantize(row, 0, data, r * type.bytesFor(LENGTH), LENGTH);
        }
        return new Tensor(name, type, new long[] {LENGTH, rows}, data);
    }

    /** Within 2% of the float64 product of the dequantized weights (the activations are quantized to 8 bits on the way). */
    private static void assertNearFloat64(Tensor w, float[] x, int tokens, float[] out) {
        float[] row = new float[LENGTH];
        for (int r = 0; r < w.rowCount(); r++) {
            w.dequantizeRow(r, row, 0);
            for (int t = 0; t < tokens; t++) {
                double dot = 0;
                double scale = 0;
                for (int i = 0; i < LENGTH; i++) {
                    dot += (double) row[i] * x[t * LENGTH + i];
                    scale += Math.abs((double) row[i] * x[t * LENGTH + i]);
                }
                float got = out[t * w.rowCount() + r];
                assertTrue(Math.abs(got - dot) <= 0.02 * scale,
                        w.name() + " row " + r + " token " + t + ": " + got + " against " + dot);
            }
        }
    }

    private static float[] nans(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }
}
