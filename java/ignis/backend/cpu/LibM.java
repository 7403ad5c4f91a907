package ignis.backend.cpu;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The C library's single-precision cosf, sinf and powf, through FFM, where the platform has them.
 * ggml computes RoPE angles with them; they are not always correctly rounded, so Java's
 * {@link Math} functions can differ from them by an ulp. Falls back to {@link Math} elsewhere.
 */
final class LibM {
    private static final MethodHandle COSF = find("cosf", FunctionDescriptor.of(ValueLayout.JAVA_FLOAT, ValueLayout.JAVA_FLOAT));
    private static final MethodHandle SINF = find("sinf", FunctionDescriptor.of(ValueLayout.JAVA_FLOAT, ValueLayout.JAVA_FLOAT));
    private static final MethodHandle POWF = find("powf",
            FunctionDescriptor.of(ValueLayout.JAVA_FLOAT, ValueLayout.JAVA_FLOAT, ValueLayout.JAVA_FLOAT));

    private LibM() {
    }

    private static MethodHandle find(String name, FunctionDescriptor descriptor) {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find(name).map(a -> linker.downcallHandle(a, descriptor)).orElse(null);
        } catch (RuntimeException | LinkageError e) {
            return null; // no C library reachable (restricted native access, other platform)
        }
    }

    static float cos(float x) {
        try {
            return COSF != null ? (float) COSF.invokeExact(x) : (float) Math.cos(x);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static float sin(float x) {
        try {
            return SINF != null ? (float) SINF.invokeExact(x) : (float) Math.sin(x);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static float pow(float x, float y) {
        try {
            return POWF != null ? (float) POWF.invokeExact(x, y) : (float) Math.pow(x, y);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
