package ignis.model.synth;

import java.nio.charset.StandardCharsets;

/** Derivation of independent 64-bit seeds, so every tensor and row has its own reproducible stream. */
final class Seeds {
    private Seeds() {
    }

    /** The seed of tensor {@code name} in a model generated from {@code seed}. */
    static long forTensor(long seed, String name) {
        long hash = 0xcbf29ce484222325L; // FNV-1a over the UTF-8 name
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return mix(seed, hash);
    }

    /** A well-scrambled combination of {@code seed} and {@code index} (two rounds of a 64-bit finalizer). */
    static long mix(long seed, long index) {
        return finalizer(finalizer(seed) ^ (index * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L));
    }

    private static long finalizer(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
