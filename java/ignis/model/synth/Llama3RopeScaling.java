package ignis.model.synth;

import ignis.IgnisException;

/**
 * Llama 3.1/3.2 "llama3" RoPE scaling. GGUF files carry it not as metadata but as the
 * {@code rope_freqs.weight} tensor of per-pair frequency divisors, computed here as llama.cpp's
 * HF-to-GGUF converter computes them.
 */
public record Llama3RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalContextLength) {

    public Llama3RopeScaling {
        if (!(factor >= 1) || !(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor) || originalContextLength <= 0) {
            throw new IgnisException("llama3 rope scaling needs factor >= 1, 0 < low_freq_factor < high_freq_factor and "
                    + "original context > 0; got factor " + factor + ", low_freq_factor " + lowFreqFactor
                    + ", high_freq_factor " + highFreqFactor + ", original context " + originalContextLength);
        }
    }

    /** Llama 3.2 1B/3B and Llama 3.1: factor 32 (3.1: 8), low 1, high 4, original context 8192. */
    public static final Llama3RopeScaling LLAMA_3_2 = new Llama3RopeScaling(32, 1, 4, 8192);

    /**
     * The divisor of each of the {@code headDim / 2} rotation frequencies: 1 for wavelengths shorter
     * than {@code originalContext / highFreqFactor}, {@code factor} for those longer than
     * {@code originalContext / lowFreqFactor}, and a smooth interpolation in between.
     */
    public float[] frequencyFactors(int headDim, double ropeBase) {
        double lowFreqWavelength = originalContextLength / lowFreqFactor;
        double highFreqWavelength = originalContextLength / highFreqFactor;
        float[] factors = new float[headDim / 2];
        for (int i = 0; i < factors.length; i++) {
            double frequency = 1.0 / Math.pow(ropeBase, (2.0 * i) / headDim);
            double wavelength = 2 * Math.PI / frequency;
            double f;
            if (wavelength < highFreqWavelength) {
                f = 1;
            } else if (wavelength > lowFreqWavelength) {
                f = factor;
            } else {
                double smooth = (originalContextLength / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                f = 1 / ((1 - smooth) / factor + smooth);
            }
            factors[i] = (float) f;
        }
        return factors;
    }
}
