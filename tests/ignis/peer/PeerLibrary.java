package ignis.peer;

import jdk.incubator.vector.ByteVector;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The llama.cpp library inside the peer jar (de.kherud:llama, an x86-64 AVX2 build of llama.cpp
 * b4916), loaded once for FFM calls: a private copy, so it does not share state with the copy the
 * jar's own JNI code loads.
 */
public final class PeerLibrary {
    private static final String LIBRARY = "de/kherud/llama/Linux/x86_64/libjllama.so";
    private static SymbolLookup lookup;
    private static String unavailable;

    private PeerLibrary() {
    }

    /** The library's symbols, or null with {@link #whyUnavailable()} saying why it cannot run here. */
    public static synchronized SymbolLookup lookup() {
        if (lookup == null && unavailable == null) {
            unavailable = load();
        }
        return lookup;
    }

    public static synchronized String whyUnavailable() {
        lookup();
        return unavailable;
    }

    private static String load() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return "it is built for Linux x86-64 only, this is " + os + " " + arch;
        }
        if (ByteVector.SPECIES_PREFERRED.vectorBitSize() < 256) {
            return "it needs AVX2, this CPU has narrower integer vectors";
        }
        try (InputStream in = PeerLibrary.class.getClassLoader().getResourceAsStream(LIBRARY)) {
            if (in == null) {
                return LIBRARY + " is not on the test class path (de.kherud:llama missing?)";
            }
            Path file = Files.createTempFile("ignis-llama-peer", ".so");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            lookup = SymbolLookup.libraryLookup(file, Arena.global());
            return null;
        } catch (IOException | IllegalArgumentException e) {
            return "loading " + LIBRARY + " failed: " + e;
        }
    }
}
