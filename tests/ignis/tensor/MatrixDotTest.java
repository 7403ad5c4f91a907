package ignis.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link QuantFormat#matrixDot}: the summation orders of llama.cpp's matrix kernels (tinyBLAS for
 * batches, repacked Q4_0) give the value of {@link QuantFormat#dot} within float rounding. Their
 * bits are checked end to end against llama.cpp (ModelTypesTest).
 */
class MatrixDotTest {

    @Test
    void everyBatchSizeAgreesWithTheDotProduct() {
        SplittableRandom random = new SplittableRandom(5);
        for (GGMLType type : new GGMLType[] {GGMLType.F32, GGMLType.F16, GGMLType.BF16, GGMLType.Q4_0, GGMLType.Q8_0, GGMLType.Q4_K}) {
            QuantFormat format = QuantFormat.of(type);
            QuantFormat activation = QuantFormat.of(format.activationType());
            int n = 512;
            float[] w = randomRow(random, n);
            float[] x = randomRow(random, n);
            MemorySegment wq = MemorySegment.ofArray(new byte[(int) type.bytesFor(n)]);
            MemorySegment xq = MemorySegment.ofArray(new byte[(int) format.activationType().bytesFor(n)]);
            format.quantize(w, 0, wq, 0, n);
            activation.quantize(x, 0, xq, 0, n);
            float single = format.dot(wq, 0, xq, 0, n);
            for (int batch : new int[] {1, 2, 7}) {
                float m = format.matrixDot(wq, 0, xq, 0, n, batch);
                assertEquals(single, m, 1e-5f * (1 + Math.abs(single)), type + " batch " + batch);
            }
        }
    }

    private static float[] randomRow(SplittableRandom random, int n) {
        float[] row = new float[n];
        for (int i = 0; i < n; i++) {
            row[i] = (float) random.nextGaussian();
        }
        return row;
    }
}
