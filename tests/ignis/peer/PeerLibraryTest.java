package ignis.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the llama.cpp library comes from: an explicitly named jar first, and clear errors when that is wrong. */
class PeerLibraryTest {

    @BeforeEach
    void peerUsable() {
        String why = PeerLibrary.whyUnavailable();
        assumeTrue(why == null, () -> "llama.cpp's library is not usable here: " + why);
    }

    @AfterEach
    void clear() {
        System.clearProperty(PeerLibrary.JAR_PROPERTY);
    }

    @Test
    void namedJarIsLoaded() throws IOException {
        URL resource = PeerLibrary.class.getClassLoader().getResource(PeerLibrary.LIBRARY);
        assumeTrue(resource != null && resource.getProtocol().equals("jar"), "the peer jar is not on the class path as a jar");
        Path jar = Path.of(((JarURLConnection) resource.openConnection()).getJarFileURL().getPath());
        System.setProperty(PeerLibrary.JAR_PROPERTY, jar.toString());
        assertTrue(PeerLibrary.require().find("llama_decode").isPresent());
        assertEquals(null, PeerLibrary.whyUnavailable());
    }

    @Test
    void missingNamedJarIsNamed() {
        System.setProperty(PeerLibrary.JAR_PROPERTY, "/no/such/llama.jar");
        PeerUnavailableException e = assertThrows(PeerUnavailableException.class, PeerLibrary::require);
        assertTrue(e.getMessage().contains("/no/such/llama.jar") && e.getMessage().contains("-D" + PeerLibrary.JAR_PROPERTY), e.getMessage());
        assertEquals(null, PeerLibrary.lookup());
        assertEquals(e.getMessage(), PeerLibrary.whyUnavailable());
    }

    @Test
    void jarWithoutTheLibraryIsNamed(@TempDir Path dir) throws IOException {
        Path jar = dir.resolve("llama-other.jar");
        try (OutputStream out = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("README"));
            zip.write("not llama.cpp".getBytes());
            zip.closeEntry();
        }
        System.setProperty(PeerLibrary.JAR_PROPERTY, jar.toString());
        PeerUnavailableException e = assertThrows(PeerUnavailableException.class, PeerLibrary::require);
        assertTrue(e.getMessage().contains(jar.toString()) && e.getMessage().contains(PeerLibrary.LIBRARY), e.getMessage());
    }
}
