package ignis.tensor;

import static ignis.tensor.FormatTestSupport.u8;

import java.lang.foreign.MemorySegment;

/** Test-side reading of the 6-bit scale/min field of Q4_K and Q5_K, written from the ggml-common.h description. */
final class KQuantSpec {
    private KQuantSpec() {
    }

    /** Scale of sub-block {@code j} (0..7) of the 12-byte field at {@code field}. */
    static int scale(MemorySegment s, long field, int j) {
        if (j < 4) {
            return u8(s, field + j) % 64;
        }
        return u8(s, field + 8 + (j - 4)) % 16 + 16 * (u8(s, field + (j - 4)) / 64);
    }

    /** Min of sub-block {@code j} (0..7) of the 12-byte field at {@code field}. */
    static int min(MemorySegment s, long field, int j) {
        if (j < 4) {
            return u8(s, field + 4 + j) % 64;
        }
        return u8(s, field + 8 + (j - 4)) / 16 + 16 * (u8(s, field + 4 + (j - 4)) / 64);
    }
}
