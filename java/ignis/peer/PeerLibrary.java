package ignis.peer;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.CodeSource;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import jdk.incubator.vector.ByteVector;

/**
 * llama.cpp's shared library as shipped in the de.kherud:llama jar (an x86-64 AVX2 build that
 * exports the llama and ggml C APIs), loaded for FFM calls from a private temporary copy, so it
 * shares no state with the copy the jar's own JNI code may load. Where the jar comes from, first
 * match wins: the jar named by {@code -Dignis.llamacpp.jar} or {@code $IGNIS_LLAMACPP_JAR}; the
 * library as a class-path resource (tests); {@code peer/llama-*.jar} beside the running Ignis
 * jar or classes folder (what {@code ./ignis} builds into target/peer/).
 */
public final class PeerLibrary {
    static final String LIBRARY = "de/kherud/llama/Linux/x86_64/libjllama.so";
    public static final String JAR_PROPERTY = "ignis.llamacpp.jar";
    public static final String JAR_VARIABLE = "IGNIS_LLAMACPP_JAR";

    /** Loaded libraries by where they came from: each source is extracted and loaded once. */
    private static final Map<String, SymbolLookup> LOADED = new HashMap<>();

    private PeerLibrary() {
    }

    /** The library's symbols; a {@link PeerUnavailableException} says why it cannot be used here. */
    public static synchronized SymbolLookup require() {
        String platform = unsupportedPlatform();
        if (platform != null) {
            throw new PeerUnavailableException("llama.cpp's library cannot run here: " + platform);
        }
        String explicit = System.getProperty(JAR_PROPERTY, System.getenv(JAR_VARIABLE));
        if (explicit != null && !explicit.isBlank()) {
            Path jar = Path.of(explicit);
            if (!Files.isRegularFile(jar)) {
                throw new PeerUnavailableException("the llama.cpp jar " + jar + " (from -D" + JAR_PROPERTY + " or $" + JAR_VARIABLE
                        + ") does not exist; point it at de.kherud llama-4.2.0.jar");
            }
            return fromJar(jar);
        }
        if (PeerLibrary.class.getClassLoader().getResource(LIBRARY) != null) {
            return LOADED.computeIfAbsent("classpath:" + LIBRARY, k -> load(PeerLibrary.class.getClassLoader()::getResourceAsStream));
        }
        Path peerDir = besideIgnis();
        Path jar = peerDir == null ? null : peerJar(peerDir);
        if (jar == null) {
            throw new PeerUnavailableException("llama.cpp's library was not found: no -D" + JAR_PROPERTY + " or $" + JAR_VARIABLE
                    + ", no " + LIBRARY + " on the class path, no llama-*.jar in " + (peerDir == null ? "peer/ beside ignis.jar" : peerDir)
                    + "; build Ignis with ./ignis or mvn package (it copies the jar into target/peer/), or pass -D" + JAR_PROPERTY
                    + "=/path/to/llama-4.2.0.jar (or set $" + JAR_VARIABLE + ")");
        }
        return fromJar(jar);
    }

    /** The library's symbols, or null where {@link #whyUnavailable()} has the reason. */
    public static SymbolLookup lookup() {
        try {
            return require();
        } catch (PeerUnavailableException e) {
            return null;
        }
    }

    /** Why {@link #lookup()} gives null; null when the library is usable. */
    public static String whyUnavailable() {
        try {
            require();
            return null;
        } catch (PeerUnavailableException e) {
            return e.getMessage();
        }
    }

    /** Null on Linux x86-64 with AVX2, else what is missing. */
    private static String unsupportedPlatform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            return "it is built for Linux x86-64 only, this is " + os + " " + arch;
        }
        if (ByteVector.SPECIES_PREFERRED.vectorBitSize() < 256) {
            return "it needs AVX2, this CPU has narrower integer vectors";
        }
        return null;
    }

    private static SymbolLookup fromJar(Path jar) {
        String key = jar.toAbsolutePath().normalize().toString();
        SymbolLookup known = LOADED.get(key);
        if (known != null) {
            return known;
        }
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry entry = zip.getEntry(LIBRARY);
            if (entry == null) {
                throw new PeerUnavailableException(jar + " has no " + LIBRARY + " (expected the de.kherud:llama:4.2.0 jar)");
            }
            SymbolLookup lookup = load(name -> zip.getInputStream(entry));
            LOADED.put(key, lookup);
            return lookup;
        } catch (IOException e) {
            throw new PeerUnavailableException("cannot read the llama.cpp jar " + jar + ": " + e.getMessage());
        }
    }

    /** Opens the library's bytes. */
    @FunctionalInterface
    private interface Source {
        InputStream open(String name) throws IOException;
    }

    private static SymbolLookup load(Source source) {
        try (InputStream in = source.open(LIBRARY)) {
            Path file = Files.createTempFile("ignis-llama-peer", ".so");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return SymbolLookup.libraryLookup(file, Arena.global());
        } catch (IOException | IllegalArgumentException e) {
            throw new PeerUnavailableException("loading llama.cpp's " + LIBRARY + " failed: " + e);
        }
    }

    /** The peer/ folder beside the jar or classes folder Ignis runs from (target/peer/ after a build). */
    private static Path besideIgnis() {
        CodeSource code = PeerLibrary.class.getProtectionDomain().getCodeSource();
        if (code == null) {
            return null;
        }
        try {
            Path location = Path.of(code.getLocation().toURI());
            return location.getParent() == null ? null : location.getParent().resolve("peer");
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    private static Path peerJar(Path dir) {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (DirectoryStream<Path> jars = Files.newDirectoryStream(dir, "llama-*.jar")) {
            for (Path jar : jars) {
                return jar;
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }
}
