package ignis.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The scale searches of ggml's K-quant reference quantizers (ggml-quants.c), without
 * importance matrix. Float arithmetic follows ggml's expression order.
 */
final class QuantFit {
    /** ggml's GROUP_MAX_EPS: groups whose largest magnitude is below this count as all zero. */
    static final float GROUP_MAX_EPS = 1e-15f;

    private QuantFit() {
    }

    /** Round half to even, as ggml's nearest_int (valid for |v| up to 2^22). */
    static int nearestInt(float v) {
        return (int) Math.rint(v);
    }

    /**
     * make_qkx2_quants: fits x[i] ~ scale * L[i] - min with L in 0..nmax by weighted least
     * squares over a sweep of candidate scales. Writes L, returns the scale; the min (stored
     * positive, the amount subtracted) goes to {@code minOut[minIndex]}.
     */
    static float fitScaleAndMin(int n, int nmax, float[] x, int xOffset, float[] weights, int[] levels, int levelOffset,
                                int[] scratch, float rmin, float rdelta, int nstep, float[] minOut, int minIndex) {
        float min = x[xOffset];
        float max = x[xOffset];
        float sumW = weights[0];
        float sumX = sumW * x[xOffset];
        for (int i = 1; i < n; i++) {
            float v = x[xOffset + i];
            min = Math.min(min, v);
            max = Math.max(max, v);
            sumW += weights[i];
            sumX += weights[i] * v;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            java.util.Arrays.fill(levels, levelOffset, levelOffset + n, 0);
            minOut[minIndex] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = clamp(nearestInt(iscale * (x[xOffset + i] - min)), 0, nmax);
            levels[levelOffset + i] = l;
            float diff = scale * l + min - x[xOffset + i];
            bestError += weights[i] * (diff * diff);
        }
        for (int step = 0; step <= nstep; step++) {
            iscale = (rmin + rdelta * step + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = clamp(nearestInt(iscale * (x[xOffset + i] - min)), 0, nmax);
                scratch[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xOffset + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * scratch[i] + thisMin - x[xOffset + i];
                    error += weights[i] * (diff * diff);
                }
                if (error < bestError) {
                    System.arraycopy(scratch, 0, levels, levelOffset, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        minOut[minIndex] = -min;
        return scale;
    }

    /**
     * make_qx_quants with rmse_type 1 (weights x^2): fits x[i] ~ scale * (L[i] - nmax) with L in
     * 0..2*nmax-1, trying 19 scales around nmax/max. Writes L, returns the (signed) scale.
     */
    static float fitSymmetricScale(int n, int nmax, float[] x, int xOffset, int[] levels, int levelOffset) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xOffset + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xOffset + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            java.util.Arrays.fill(levels, levelOffset, levelOffset + n, 0);
            return 0f;
        }
        float iscale = -nmax / max;
        float sumLX = 0;
        float sumL2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOffset + i];
            int l = clamp(nearestInt(iscale * v), -nmax, nmax - 1);
            levels[levelOffset + i] = l + nmax;
            float w = v * v;
            sumLX += w * v * l;
            sumL2 += w * l * l;
        }
        float scale = sumL2 != 0 ? sumLX / sumL2 : 0f;
        float best = scale * sumLX;
        for (int step = -9; step <= 9; step++) {
            if (step == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * step) / max;
            sumLX = 0;
            sumL2 = 0;
            for (int i = 0; i < n; i++) {
                float v = x[xOffset + i];
                int l = clamp(nearestInt(iscale * v), -nmax, nmax - 1);
                float w = v * v;
                sumLX += w * v * l;
                sumL2 += w * l * l;
            }
            if (sumL2 > 0 && sumLX * sumLX > best * sumL2) {
                for (int i = 0; i < n; i++) {
                    levels[levelOffset + i] = nmax + clamp(nearestInt(iscale * x[xOffset + i]), -nmax, nmax - 1);
                }
                scale = sumLX / sumL2;
                best = scale * sumLX;
            }
        }
        return scale;
    }

    /**
     * The shared part of quantize_row_q4_K_ref and quantize_row_q5_K_ref for one super-block of
     * 256 values at {@code x[xOffset]}: fits a scale and min per 32 values, stores d and dmin
     * (fp16, at {@code block} and {@code block + 2}) and the 6-bit scales and mins (at
     * {@code block + 4}), then requantizes every value against the stored scales into
     * {@code levels} (0..nmax).
     */
    static void fitScaleMinSuperBlock(float[] x, int xOffset, int nmax, float rmin, float rdelta, int nstep,
                                      MemorySegment dst, long block, int[] levels) {
        float[] weights = new float[32];
        int[] scratch = new int[32];
        float[] scales = new float[8];
        float[] mins = new float[8];
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            int sub = xOffset + 32 * j;
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) {
                sumX2 += x[sub + l] * x[sub + l];
            }
            float average = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                weights[l] = average + Math.abs(x[sub + l]);
            }
            scales[j] = fitScaleAndMin(32, nmax, x, sub, weights, levels, 32 * j, scratch, rmin, rdelta, nstep, mins, j);
            maxScale = Math.max(maxScale, scales[j]);
            maxMin = Math.max(maxMin, mins[j]);
        }
        float inverseScale = maxScale > 0 ? 63f / maxScale : 0f;
        float inverseMin = maxMin > 0 ? 63f / maxMin : 0f;
        int[] scaleLevels = new int[8];
        int[] minLevels = new int[8];
        for (int j = 0; j < 8; j++) {
            // ggml stores these through uint8_t before capping at 63
            scaleLevels[j] = Math.min(63, nearestInt(inverseScale * scales[j]) & 0xFF);
            minLevels[j] = Math.min(63, nearestInt(inverseMin * mins[j]) & 0xFF);
        }
        KScales.pack(scaleLevels, minLevels, dst, block + 4);
        LittleEndian.putHalf(dst, block, maxScale / 63f);
        LittleEndian.putHalf(dst, block + 2, maxMin / 63f);
        float d = LittleEndian.half(dst, block);
        float dmin = LittleEndian.half(dst, block + 2);
        for (int j = 0; j < 8; j++) {
            float scale = d * scaleLevels[j];
            if (scale == 0) {
                continue;
            }
            float min = dmin * minLevels[j];
            for (int l = 0; l < 32; l++) {
                levels[32 * j + l] = clamp(nearestInt((x[xOffset + 32 * j + l] + min) / scale), 0, nmax);
            }
        }
    }

    static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
