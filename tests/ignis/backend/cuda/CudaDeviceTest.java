package ignis.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.backend.device.DeviceBuffer;
import ignis.backend.device.DeviceException;
import ignis.backend.device.DeviceOutOfMemoryException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Memory, copies and errors of a real CUDA device; skipped (with the reason) where there is none. */
class CudaDeviceTest {
    private static final int BYTES = 3 * 1024 * 1024 + 13; // not a multiple of anything in particular
    private final Random random = new Random(20240601);
    private CudaDevice device;

    @BeforeEach
    void open() {
        device = CudaTestDevice.openOrSkip();
        System.out.println("CUDA device: " + device);
    }

    @AfterEach
    void close() {
        if (device != null) {
            device.close();
        }
    }

    private byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }

    @Test
    void nativeSegmentsRoundTrip() {
        byte[] data = randomBytes(BYTES);
        try (Arena arena = Arena.ofConfined(); DeviceBuffer buffer = device.allocate(BYTES, "round trip")) {
            MemorySegment src = arena.allocate(BYTES).copyFrom(MemorySegment.ofArray(data));
            MemorySegment dst = arena.allocate(BYTES);
            device.upload(src, buffer, 0);
            device.download(buffer, 0, dst);
            assertArrayEquals(data, dst.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void heapSegmentsRoundTripAtOffsets() {
        float[] values = new float[4097];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat();
        }
        long offset = 1000;
        try (DeviceBuffer buffer = device.allocate(offset + 4L * values.length + 24, "offsets")) {
            device.upload(MemorySegment.ofArray(values), buffer, offset);
            float[] back = new float[values.length];
            device.download(buffer, offset, MemorySegment.ofArray(back));
            assertArrayEquals(values, back);
            float[] part = new float[7];
            device.download(buffer, offset + 4 * 100, MemorySegment.ofArray(part));
            for (int i = 0; i < part.length; i++) {
                assertEquals(values[100 + i], part[i]);
            }
        }
    }

    @Test
    void deviceToDeviceCopyKeepsBytesAndOrder() {
        byte[] data = randomBytes(BYTES);
        try (DeviceBuffer a = device.allocate(BYTES, "copy source"); DeviceBuffer b = device.allocate(BYTES, "copy target")) {
            device.upload(MemorySegment.ofArray(data), a, 0);
            device.upload(MemorySegment.ofArray(new byte[BYTES]), b, 0);
            device.copy(a, 100, b, 5, BYTES - 200);
            byte[] back = new byte[BYTES];
            device.download(b, 0, MemorySegment.ofArray(back));
            for (int i = 0; i < BYTES; i++) {
                byte expected = i >= 5 && i < 5 + BYTES - 200 ? data[i - 5 + 100] : 0;
                if (back[i] != expected) {
                    throw new AssertionError("byte " + i + ": " + back[i] + " != " + expected);
                }
            }
        }
    }

    @Test
    void memoryIsAccounted() {
        assertTrue(device.totalMemory() > 0);
        long free = device.freeMemory();
        assertTrue(free > 0 && free <= device.totalMemory(), free + " of " + device.totalMemory());
        try (DeviceBuffer big = device.allocate(256L << 20, "256 MiB")) {
            assertTrue(device.freeMemory() <= free - (200L << 20), "free memory drops by the allocation");
            assertEquals(256L << 20, big.byteSize());
            assertEquals("256 MiB", big.purpose());
        }
    }

    @Test
    void askingForMoreThanTheDeviceHasIsOutOfMemory() {
        long tooMuch = device.totalMemory() + (1L << 30);
        DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class,
                () -> device.allocate(tooMuch, "impossible weights"));
        assertEquals(tooMuch, e.requested());
        assertTrue(e.free() > 0 && e.free() <= device.totalMemory(), e.getMessage());
        assertTrue(e.getMessage().contains(device.name()) && e.getMessage().contains("impossible weights"), e.getMessage());
        assertDoesNotThrow(() -> device.allocate(1024, "still usable").close());
    }

    @Test
    void outOfBoundsCopiesAreRefusedBeforeTheDriver() {
        try (DeviceBuffer buffer = device.allocate(1024, "small")) {
            assertThrows(IndexOutOfBoundsException.class, () -> device.upload(MemorySegment.ofArray(new byte[1025]), buffer, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> device.download(buffer, 1000, MemorySegment.ofArray(new byte[25])));
            assertThrows(IndexOutOfBoundsException.class, () -> device.copy(buffer, 0, buffer, 512, 513));
        }
    }

    @Test
    void buffersCloseOnceAndDieWithTheirDevice() {
        DeviceBuffer buffer = device.allocate(4096, "closed twice");
        buffer.close();
        assertDoesNotThrow(buffer::close);
        assertThrows(IllegalStateException.class, () -> device.upload(MemorySegment.ofArray(new byte[4]), buffer, 0));
        DeviceBuffer survivor = device.allocate(4096, "freed by the device");
        device.close();
        assertDoesNotThrow(survivor::close);
        device = null;
    }

    @Test
    void kernelsComeFromThePackagedModulesOrSayHowToBuildThem() {
        if (CudaKernelImages.readIndex(getClass().getClassLoader()).isEmpty()) {
            DeviceException e = assertThrows(DeviceException.class, device::kernels);
            assertTrue(e.getMessage().contains("native-build/build.sh"), e.getMessage());
            return;
        }
        DeviceException unknown = assertThrows(DeviceException.class, () -> device.kernels().kernel("no_such_kernel"));
        assertTrue(unknown.getMessage().contains("no_such_kernel") && unknown.getMessage().contains(device.name()),
                unknown.getMessage());
    }

    @Test
    void synchronizeWithNothingQueuedReturns() {
        assertDoesNotThrow(device::synchronize);
    }
}
