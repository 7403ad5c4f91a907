package ignis.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Float dot products in the operation order of llama.cpp's tinyBLAS (llamafile sgemm, x86 AVX2),
 * which multiplies F32, F16 and BF16 matrices by batches of two or more tokens: one 8-lane fused
 * multiply-add accumulator per output, lanes reduced halves-then-pairs. Matching llama.cpp's
 * greedy tokens needs the same bits, not just the same value within rounding.
 */
final class GgmlOrder {
    private static final int LANES = 8;

    /** Reads element {@code i} of a row as a float. */
    @FunctionalInterface
    interface Element {
        float get(MemorySegment s, long rowOffset, int i);
    }

    private GgmlOrder() {
    }

    /** tinyBLAS: lane k accumulates elements k, k+8, k+16, ... with FMAs; any tail (n % 8) is added after. */
    static float tinyBlasDot(Element element, MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        float l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            l0 = Math.fma(element.get(w, wOffset, i), element.get(a, aOffset, i), l0);
            l1 = Math.fma(element.get(w, wOffset, i + 1), element.get(a, aOffset, i + 1), l1);
            l2 = Math.fma(element.get(w, wOffset, i + 2), element.get(a, aOffset, i + 2), l2);
            l3 = Math.fma(element.get(w, wOffset, i + 3), element.get(a, aOffset, i + 3), l3);
            l4 = Math.fma(element.get(w, wOffset, i + 4), element.get(a, aOffset, i + 4), l4);
            l5 = Math.fma(element.get(w, wOffset, i + 5), element.get(a, aOffset, i + 5), l5);
            l6 = Math.fma(element.get(w, wOffset, i + 6), element.get(a, aOffset, i + 6), l6);
            l7 = Math.fma(element.get(w, wOffset, i + 7), element.get(a, aOffset, i + 7), l7);
        }
        float sum = sumLanes(l0, l1, l2, l3, l4, l5, l6, l7);
        for (; i < n; i++) {
            sum += element.get(w, wOffset, i) * element.get(a, aOffset, i);
        }
        return sum;
    }

    /** The SSE reduction of eight lanes ggml and tinyBLAS use: halves added, then pairs. */
    static float sumLanes(float l0, float l1, float l2, float l3, float l4, float l5, float l6, float l7) {
        float t0 = l0 + l4;
        float t1 = l1 + l5;
        float t2 = l2 + l6;
        float t3 = l3 + l7;
        return (t0 + t2) + (t1 + t3);
    }
}
