package ignis.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Launch arguments: int, float and buffers pack; anything else names the kernel and argument. */
class CudaKernelArgumentsTest {

    @Test
    void intsAndFloatsPack() {
        assertNotNull(CudaKernelArguments.pack("scale_f32", new Object[] {42, 0.5f}, buffer -> {
            throw new AssertionError("no buffers here");
        }));
    }

    @Test
    void aWrongTypeNamesTheKernelAndTheArgumentIndex() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CudaKernelArguments.pack("rmsnorm_f32", new Object[] {1, 2L}, buffer -> null));
        assertTrue(e.getMessage().contains("rmsnorm_f32") && e.getMessage().contains("argument 1")
                && e.getMessage().contains("java.lang.Long"), e.getMessage());
        IllegalArgumentException nullArgument = assertThrows(IllegalArgumentException.class,
                () -> CudaKernelArguments.pack("softmax_f32", new Object[] {null}, buffer -> null));
        assertTrue(nullArgument.getMessage().contains("softmax_f32") && nullArgument.getMessage().contains("argument 0"));
    }
}
