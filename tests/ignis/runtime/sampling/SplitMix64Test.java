package ignis.runtime.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SplitMix64Test {

    @Test
    void seedZeroGivesThePublishedSequence() {
        // first outputs of Vigna's reference splitmix64.c with state 0
        SplitMix64 generator = new SplitMix64(0);
        assertEquals(0xE220A8397B1DCDAFL, generator.nextLong());
        assertEquals(0x6E789E6AA1B965F4L, generator.nextLong());
    }

    @Test
    void generatorIsSplitMix64() {
        // the JDK's SplittableRandom runs the same algorithm: an independent reference for ours
        for (long seed : new long[] {0L, 42L, -1L, 0x123456789ABCDEFL}) {
            SplitMix64 ours = new SplitMix64(seed);
            SplittableRandom jdk = new SplittableRandom(seed);
            for (int i = 0; i < 100; i++) {
                assertEquals(jdk.nextLong(), ours.nextLong(), "seed " + seed + " value " + i);
            }
            ours.reseed();
            assertEquals(new SplittableRandom(seed).nextLong(), ours.nextLong(), "reseed");
        }
        SplitMix64 doubles = new SplitMix64(9);
        for (int i = 0; i < 10_000; i++) {
            double u = doubles.nextDouble();
            assertTrue(u >= 0.0 && u < 1.0, "out of [0, 1): " + u);
        }
    }
}
