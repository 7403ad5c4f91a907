package ignis.server.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PercentilesTest {
    @Test
    void nearestRankOnTheTextbookExample() {
        // Wikipedia's nearest-rank example: 15, 20, 35, 40, 50 (given unsorted).
        double[] v = {50, 15, 40, 20, 35};
        assertEquals(15, Percentiles.nearestRank(v, 5));
        assertEquals(20, Percentiles.nearestRank(v, 30));
        assertEquals(20, Percentiles.nearestRank(v, 40));
        assertEquals(35, Percentiles.nearestRank(v, 50));
        assertEquals(50, Percentiles.nearestRank(v, 100));
        assertEquals(15, Percentiles.nearestRank(v, 0));
        assertEquals(50, v[0], "input left unsorted");
    }

    @Test
    void oneToHundred() {
        double[] v = IntStream.rangeClosed(1, 100).mapToDouble(i -> i).toArray();
        assertEquals(50, Percentiles.nearestRank(v, 50));
        assertEquals(99, Percentiles.nearestRank(v, 99));
        assertEquals(7, Percentiles.nearestRank(v, 7), "7% of 100 is rank 7 exactly, not 8");
        assertEquals(100, Percentiles.nearestRank(v, 99.5));
        assertEquals(1, Percentiles.nearestRank(v, 0.5));
    }

    @Test
    void p99OfFewValuesIsTheWorst() {
        assertEquals(9, Percentiles.nearestRank(List.of(3, 9, 1, 4), 99));
        assertEquals(3, Percentiles.nearestRank(List.of(3, 9, 1, 4), 50));
        assertEquals(2.5, Percentiles.nearestRank(List.of(2.5), 99));
    }

    @Test
    void noValuesIsNaNAndBadPercentilesThrow() {
        assertTrue(Double.isNaN(Percentiles.nearestRank(new double[0], 50)));
        assertThrows(IllegalArgumentException.class, () -> Percentiles.nearestRank(new double[] {1}, 101));
        assertThrows(IllegalArgumentException.class, () -> Percentiles.nearestRank(new double[] {1}, -1));
    }
}
