package ignis.model.synth;

import java.util.SplittableRandom;

/** How the values of a synthetic tensor are drawn, one row at a time, reproducibly from a tensor seed. */
public sealed interface WeightInit {

    /** Writes row {@code row} into {@code values}; the same arguments always give the same values. */
    void fillRow(float[] values, int row, long tensorSeed);

    /** Independent normal values of the given mean and standard deviation. */
    record Gaussian(double mean, double std) implements WeightInit {
        @Override
        public void fillRow(float[] values, int row, long tensorSeed) {
            // Each row has its own generator so rows can be filled in any order, on any thread.
            SplittableRandom random = new SplittableRandom(Seeds.mix(tensorSeed, row));
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (mean + std * random.nextGaussian());
            }
        }
    }

    /** Fixed values for a one-row tensor (the llama3 rope frequency factors). */
    record Fixed(float[] values) implements WeightInit {
        @Override
        public void fillRow(float[] target, int row, long tensorSeed) {
            System.arraycopy(values, 0, target, 0, values.length);
        }
    }
}
