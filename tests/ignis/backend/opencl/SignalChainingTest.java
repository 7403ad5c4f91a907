package ignis.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Loading an OpenCL implementation leaves the JVM's signal handlers in place. PoCL and rusticl
 * load LLVM, which installs its crash handler for SIGSEGV, SIGBUS, SIGILL and SIGFPE; the JVM
 * takes SIGSEGV for implicit null checks and safepoints, and a run that got one there died
 * without a word (seen: `./ignis bench --type F16`, half the runs). libjsig, preloaded by
 * ./ignis and the surefire configuration, chains such handlers behind the JVM's. A child JVM
 * started as the tests are (same JDK, environment and classpath) lists OpenCL devices with
 * -Xcheck:jni, which reports any handler that was replaced.
 */
class SignalChainingTest {

    @Test
    void listingOpenClDevicesKeepsTheJvmSignalHandlers() throws Exception {
        OpenClTestDevices.requireDevices();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(List.of(java.toString(), "-Xcheck:jni", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), ListDevices.class.getName()))
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        child.waitFor(60, TimeUnit.SECONDS);
        assertEquals(0, child.exitValue(), output);
        assertFalse(output.contains("handler modified"), "LD_PRELOAD=" + System.getenv("LD_PRELOAD") + ":\n" + output);
    }

    /** The child: lists the devices, then waits for the JVM's periodic signal-handler check. */
    static final class ListDevices {
        public static void main(String[] args) throws InterruptedException {
            System.out.println("OpenCL devices: " + OpenClDiscovery.discover().devices().size());
            Thread.sleep(1000);
        }
    }
}
