package ignis.runtime.sampling;

/**
 * The SplitMix64 generator (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014):
 * a 64-bit counter advanced by the golden-ratio constant, each value scrambled by a fixed mix. Written out here
 * rather than borrowed from the JDK so that a seed gives the same tokens on every Java version; it produces the
 * same sequence as {@code new java.util.SplittableRandom(seed).nextLong()}. Not thread-safe.
 */
final class SplitMix64 {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final long seed;
    private long state;

    SplitMix64(long seed) {
        this.seed = seed;
        this.state = seed;
    }

    /** Back to the state right after construction. */
    void reseed() {
        state = seed;
    }

    long nextLong() {
        long z = (state += GOLDEN_GAMMA);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1): the top 53 bits of the next value. */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }
}
