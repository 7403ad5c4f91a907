package ignis.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/** Plain little-endian float32 values (ggml F32); dot partner F32. */
final class F32Format extends BlockFormat {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    F32Format() {
        super(GGMLType.F32, GGMLType.F32);
    }

    @Override
    void decode(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int n) {
        MemorySegment.copy(src, LittleEndian.FLOAT, srcOffset, dst, dstOffset, n);
    }

    @Override
    void encode(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int n) {
        MemorySegment.copy(src, srcOffset, dst, LittleEndian.FLOAT, dstOffset, n);
    }

    @Override
    float dotBlocks(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        return VectorKernels.ENABLED ? dotVector(w, wOffset, a, aOffset, n) : dotScalar(w, wOffset, a, aOffset, n);
    }

    static float dotScalar(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += w.get(LittleEndian.FLOAT, wOffset + 4L * i) * a.get(LittleEndian.FLOAT, aOffset + 4L * i);
        }
        return (float) sum;
    }

    static float dotVector(MemorySegment w, long wOffset, MemorySegment a, long aOffset, int n) {
        int lanes = SPECIES.length();
        long step = 4L * lanes;
        FloatVector acc0 = FloatVector.zero(SPECIES);
        FloatVector acc1 = FloatVector.zero(SPECIES);
        FloatVector acc2 = FloatVector.zero(SPECIES);
        FloatVector acc3 = FloatVector.zero(SPECIES);
        int i = 0;
        // Four independent accumulators hide the latency of the fused multiply-adds.
        for (; i + 4 * lanes <= n; i += 4 * lanes) {
            long wo = wOffset + 4L * i;
            long ao = aOffset + 4L * i;
            acc0 = load(w, wo).fma(load(a, ao), acc0);
            acc1 = load(w, wo + step).fma(load(a, ao + step), acc1);
            acc2 = load(w, wo + 2 * step).fma(load(a, ao + 2 * step), acc2);
            acc3 = load(w, wo + 3 * step).fma(load(a, ao + 3 * step), acc3);
        }
        for (; i + lanes <= n; i += lanes) {
            acc0 = load(w, wOffset + 4L * i).fma(load(a, aOffset + 4L * i), acc0);
        }
        float sum = acc0.add(acc1).add(acc2.add(acc3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += w.get(LittleEndian.FLOAT, wOffset + 4L * i) * a.get(LittleEndian.FLOAT, aOffset + 4L * i);
        }
        return sum;
    }

    private static FloatVector load(MemorySegment s, long offset) {
        return FloatVector.fromMemorySegment(SPECIES, s, offset, LittleEndian.ORDER);
    }
}
