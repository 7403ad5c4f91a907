package ignis.backend.opencl;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.backend.device.DeviceBuffer;
import ignis.backend.device.DeviceException;
import ignis.backend.device.DeviceOutOfMemoryException;
import ignis.backend.device.Kernel;
import ignis.backend.device.LaunchRecording;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs for real on the first OpenCL device (PoCL here and in CI); skipped where there is none. */
class OpenClDeviceTest {
    private static final String SOURCE = """
            __kernel void axpy(__global const float* x, __global const float* y, __global float* z, float a, int n) {
                int i = get_global_id(0);
                if (i < n) z[i] = a * x[i] + y[i];
            }
            __kernel void geometry(__global int* out, int width) {
                int x = get_global_id(0), y = get_global_id(1);
                int at = (y * width + x) * 4;
                out[at] = get_local_size(0);
                out[at + 1] = get_group_id(0);
                out[at + 2] = get_local_size(1);
                out[at + 3] = y;
            }
            """;

    private static OpenClDevice device;
    private final Random random = new Random(20240611);

    @BeforeAll
    static void open() {
        device = OpenClTestDevices.open(SOURCE);
    }

    @AfterAll
    static void close() {
        if (device != null) {
            device.close();
            device.close(); // a second close does nothing
        }
    }

    @Test
    void axpyWithFloatAndIntArgumentsMatchesJava() {
        int n = 1000; // not a multiple of the group size: the tail guard matters
        int groupSize = 64;
        int capacity = n + 37; // beyond n must stay untouched
        float a = 1.75f + random.nextFloat();
        float[] x = nonZeroFloats(n);
        float[] y = nonZeroFloats(n);
        float[] poison = new float[capacity];
        Arrays.fill(poison, Float.NaN);
        try (DeviceBuffer dx = device.allocate(4L * n, "x");
                DeviceBuffer dy = device.allocate(4L * n, "y");
                DeviceBuffer dz = device.allocate(4L * capacity, "z")) {
            device.upload(MemorySegment.ofArray(x), dx, 0);
            device.upload(MemorySegment.ofArray(y), dy, 0);
            device.upload(MemorySegment.ofArray(poison), dz, 0);
            Kernel axpy = device.kernels().kernel("axpy");
            device.launch(axpy, (n + groupSize - 1) / groupSize, 1, groupSize, dx, dy, dz, a, n);
            float[] z = new float[capacity];
            device.download(dz, 0, MemorySegment.ofArray(z));
            for (int i = 0; i < n; i++) {
                float plain = a * x[i] + y[i];
                float fused = Math.fma(a, x[i], y[i]); // OpenCL C may contract a*x+y
                assertTrue(z[i] == plain || z[i] == fused, "z[" + i + "] = " + z[i] + ", Java " + plain + " (fma " + fused + ")");
            }
            for (int i = n; i < capacity; i++) {
                assertTrue(Float.isNaN(z[i]), "z[" + i + "] beyond n was written: " + z[i]);
            }
        }
    }

    @Test
    void launchGeometryIsGroupsTimesGroupSizeByGroupsY() {
        int groupsX = 3;
        int groupsY = 5;
        int groupSize = 16;
        int width = groupsX * groupSize;
        int cells = width * groupsY * 4;
        try (Arena arena = Arena.ofConfined(); DeviceBuffer out = device.allocate(4L * cells, "geometry")) {
            MemorySegment poison = arena.allocate(4L * cells);
            poison.fill((byte) 0xFF);
            device.upload(poison, out, 0);
            device.launch(device.kernels().kernel("geometry"), groupsX, groupsY, groupSize, out, width);
            MemorySegment result = arena.allocate(4L * cells);
            device.download(out, 0, result);
            for (int y = 0; y < groupsY; y++) {
                for (int x = 0; x < width; x++) {
                    long at = (long) (y * width + x) * 4;
                    String where = "work-item (" + x + ", " + y + ")";
                    assertEquals(groupSize, result.getAtIndex(JAVA_INT, at), where + " local size 0");
                    assertEquals(x / groupSize, result.getAtIndex(JAVA_INT, at + 1), where + " group id 0");
                    assertEquals(1, result.getAtIndex(JAVA_INT, at + 2), where + " local size 1");
                    assertEquals(y, result.getAtIndex(JAVA_INT, at + 3), where + " global id 1");
                }
            }
        }
    }

    @Test
    void uploadDownloadAndCopyRoundTripAtOffsets() {
        byte[] nativePart = randomBytes(1000);
        byte[] heapPart = randomBytes(777);
        byte[] poison = new byte[4096];
        Arrays.fill(poison, (byte) 0x5A);
        try (Arena arena = Arena.ofConfined();
                DeviceBuffer a = device.allocate(4096, "round trip a");
                DeviceBuffer b = device.allocate(2048, "round trip b")) {
            device.upload(MemorySegment.ofArray(poison), a, 0);
            device.upload(MemorySegment.ofArray(poison).asSlice(0, 2048), b, 0);
            device.upload(arena.allocateFrom(JAVA_BYTE, nativePart), a, 100);
            device.upload(MemorySegment.ofArray(heapPart), a, 2001);
            device.copy(a, 100 + 13, b, 7, 500);

            byte[] all = new byte[4096];
            device.download(a, 0, MemorySegment.ofArray(all));
            byte[] expected = poison.clone();
            System.arraycopy(nativePart, 0, expected, 100, nativePart.length);
            System.arraycopy(heapPart, 0, expected, 2001, heapPart.length);
            assertArrayEquals(expected, all, "buffer a after two uploads at offsets");

            MemorySegment slice = arena.allocate(500 + 2);
            device.download(b, 6, slice); // one byte either side of the copy
            byte[] copied = slice.toArray(JAVA_BYTE);
            assertEquals((byte) 0x5A, copied[0], "byte before the copy");
            assertArrayEquals(Arrays.copyOfRange(nativePart, 13, 513), Arrays.copyOfRange(copied, 1, 501), "copied bytes");
            assertEquals((byte) 0x5A, copied[501], "byte after the copy");
        }
    }

    @Test
    void heapTransfersLargerThanTheStagingBufferArriveWhole() {
        byte[] data = randomBytes((9 << 20) + 123); // several staging chunks and a partial one
        try (DeviceBuffer buffer = device.allocate(data.length + 5, "large")) {
            device.upload(MemorySegment.ofArray(data), buffer, 5);
            byte[] back = new byte[data.length];
            device.download(buffer, 5, MemorySegment.ofArray(back));
            assertArrayEquals(data, back);
        }
    }

    @Test
    void transfersOutsideTheBufferAreRefusedNamingIt() {
        try (DeviceBuffer buffer = device.allocate(64, "small")) {
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                    () -> device.upload(MemorySegment.ofArray(new byte[16]), buffer, 56));
            assertTrue(e.getMessage().contains("small") && e.getMessage().contains("56"), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> device.download(buffer, -1, MemorySegment.ofArray(new byte[4])));
            assertThrows(IndexOutOfBoundsException.class, () -> device.copy(buffer, 0, buffer, 60, 8));
        }
    }

    @Test
    void memoryAccountingAndDoubleClose() {
        long free = device.freeMemory();
        assertTrue(free > 0 && free <= device.totalMemory());
        DeviceBuffer buffer = device.allocate(1 << 20, "accounted");
        assertEquals(free - (1 << 20), device.freeMemory());
        buffer.close();
        buffer.close(); // harmless
        assertEquals(free, device.freeMemory());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> device.upload(MemorySegment.ofArray(new byte[4]), buffer, 0));
        assertTrue(e.getMessage().contains("accounted"), e.getMessage());
    }

    @Test
    void allocatingMoreThanTheDeviceHasIsOutOfMemoryNamingPurposeAndSizes() {
        long tooMuch = device.totalMemory() + 1;
        DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class, () -> device.allocate(tooMuch, "huge KV cache"));
        assertTrue(e.getMessage().contains("huge KV cache"), e.getMessage());
        assertTrue(e.getMessage().contains(device.name()), e.getMessage());
        assertTrue(e.getMessage().contains(Long.toString(tooMuch)), e.getMessage());
        assertEquals(tooMuch, e.requested());
        assertEquals(device.freeMemory(), e.free());

        long maxAllocation = device.info().maxAllocation();
        if (maxAllocation < device.freeMemory()) {
            DeviceOutOfMemoryException single = assertThrows(DeviceOutOfMemoryException.class,
                    () -> device.allocate(maxAllocation + 1, "one big tensor"));
            assertTrue(single.getMessage().contains("one big tensor") && single.getMessage().contains("CL_DEVICE_MAX_MEM_ALLOC_SIZE"),
                    single.getMessage());
        }
    }

    @Test
    void aSyntaxErrorFailsTheBuildWithTheLog() {
        String broken = "__kernel void broken(__global float* x) { x[0] = undeclared_thing_42 + 1.0f; }\n";
        DeviceException e = assertThrows(DeviceException.class, () -> device.buildProgram(broken));
        assertTrue(e.getMessage().contains(device.name()), e.getMessage());
        assertTrue(e.getMessage().contains("CL_BUILD_PROGRAM_FAILURE"), e.getMessage());
        assertTrue(e.getMessage().contains("undeclared_thing_42"), "the build log names the identifier: " + e.getMessage());

        DeviceException atOpen = assertThrows(DeviceException.class, () -> OpenClDevice.open(0, broken));
        assertTrue(atOpen.getMessage().contains("undeclared_thing_42"), atOpen.getMessage());
    }

    @Test
    void anUnknownKernelNameIsAnErrorNamingItAndTheDevice() {
        DeviceException e = assertThrows(DeviceException.class, () -> device.kernels().kernel("no_such_kernel"));
        assertTrue(e.getMessage().contains("no_such_kernel"), e.getMessage());
        assertTrue(e.getMessage().contains(device.name()), e.getMessage());
        assertTrue(e.getMessage().contains("axpy"), "lists the kernels there are: " + e.getMessage());
        assertSame(device.kernels().kernel("axpy"), device.kernels().kernel("axpy"), "kernels are cached by name");
    }

    @Test
    void wrongArgumentsAreRefusedNamingKernelAndIndex() {
        Kernel axpy = device.kernels().kernel("axpy");
        try (DeviceBuffer x = device.allocate(64, "x"); DeviceBuffer y = device.allocate(64, "y"); DeviceBuffer z = device.allocate(64, "z")) {
            IllegalArgumentException notSupported = assertThrows(IllegalArgumentException.class,
                    () -> device.launch(axpy, 1, 1, 16, x, y, z, 2.0f, 16L));
            assertTrue(notSupported.getMessage().contains("axpy") && notSupported.getMessage().contains("argument 4"),
                    notSupported.getMessage());

            IllegalArgumentException intForFloat = assertThrows(IllegalArgumentException.class,
                    () -> device.launch(axpy, 1, 1, 16, x, y, z, 2, 16));
            assertTrue(intForFloat.getMessage().contains("argument 3") && intForFloat.getMessage().contains("float"),
                    intForFloat.getMessage());

            IllegalArgumentException scalarForBuffer = assertThrows(IllegalArgumentException.class,
                    () -> device.launch(axpy, 1, 1, 16, x, 1.0f, z, 2.0f, 16));
            assertTrue(scalarForBuffer.getMessage().contains("argument 1"), scalarForBuffer.getMessage());

            IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                    () -> device.launch(axpy, 1, 1, 16, x, y, z, 2.0f));
            assertTrue(count.getMessage().contains("5 arguments"), count.getMessage());

            IllegalArgumentException nullArgument = assertThrows(IllegalArgumentException.class,
                    () -> device.launch(axpy, 1, 1, 16, x, y, null, 2.0f, 16));
            assertTrue(nullArgument.getMessage().contains("argument 2"), nullArgument.getMessage());
        }
    }

    /**
     * Device time spans the timed launches, no more than the wall time around them; the launches
     * still run (their result is checked), and timing with no launch is refused.
     */
    @Test
    void timeOnDeviceSpansTheLaunchesAndTheyStillRun() {
        int n = 1 << 16;
        float[] x = nonZeroFloats(n);
        try (DeviceBuffer dx = device.allocate(4L * n, "x"); DeviceBuffer dz = device.allocate(4L * n, "z")) {
            device.upload(MemorySegment.ofArray(x), dx, 0);
            Kernel axpy = device.kernels().kernel("axpy");
            long wallStart = System.nanoTime();
            double seconds = device.timeOnDevice(() -> {
                for (int i = 0; i < 5; i++) {
                    device.launch(axpy, n / 64, 1, 64, dx, dx, dz, (float) i, n);
                }
            });
            double wall = (System.nanoTime() - wallStart) / 1e9;
            assertTrue(seconds > 0 && seconds <= wall, "device time " + seconds + " s, wall time " + wall + " s");
            float[] z = new float[n];
            device.download(dz, 0, MemorySegment.ofArray(z));
            assertEquals(Math.fma(4f, x[7], x[7]), z[7], Math.ulp(z[7]), "the last timed launch's result");
            IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> device.timeOnDevice(() -> { }));
            assertTrue(none.getMessage().contains("no kernel launch"), none.getMessage());
            // and launches after a timed run are untimed again
            device.launch(axpy, n / 64, 1, 64, dx, dx, dz, 1f, n);
            device.synchronize();
        }
    }

    /**
     * A recording runs nothing while it records, replays the launches with the arguments they had
     * then (as a CUDA graph does), replays again, and refuses anything but launches meanwhile.
     */
    @Test
    void recordedLaunchesRunOnlyWhenReplayedWithTheirRecordedArguments() {
        int n = 256;
        float[] x = nonZeroFloats(n);
        float[] poison = new float[n];
        Arrays.fill(poison, Float.NaN);
        try (DeviceBuffer dx = device.allocate(4L * n, "x"); DeviceBuffer dz = device.allocate(4L * n, "z")) {
            device.upload(MemorySegment.ofArray(x), dx, 0);
            device.upload(MemorySegment.ofArray(poison), dz, 0);
            Kernel axpy = device.kernels().kernel("axpy");
            float[] a = {2f};
            LaunchRecording recording = device.record(() -> {
                device.launch(axpy, n / 64, 1, 64, dx, dx, dz, a[0], n);
                IllegalStateException refused = assertThrows(IllegalStateException.class,
                        () -> device.upload(MemorySegment.ofArray(x), dx, 0));
                assertTrue(refused.getMessage().contains("upload while recording"), refused.getMessage());
            });
            a[0] = 5f; // changes nothing: the argument was taken at recording
            float[] z = new float[n];
            device.download(dz, 0, MemorySegment.ofArray(z));
            assertTrue(Float.isNaN(z[3]), "a recorded launch ran before its replay: " + z[3]);
            for (int replay = 0; replay < 2; replay++) {
                device.upload(MemorySegment.ofArray(poison), dz, 0);
                recording.replay();
                device.download(dz, 0, MemorySegment.ofArray(z));
                for (int i = 0; i < n; i++) {
                    float plain = 2f * x[i] + x[i];
                    assertTrue(z[i] == plain || z[i] == Math.fma(2f, x[i], x[i]), "replay " + replay + ": z[" + i + "] = " + z[i]);
                }
            }
            recording.close();
        }
    }

    @Test
    void synchronizeWaitsForQueuedCopies() {
        float[] values = nonZeroFloats(256);
        try (DeviceBuffer a = device.allocate(1024, "sync a"); DeviceBuffer b = device.allocate(1024, "sync b")) {
            device.upload(MemorySegment.ofArray(values), a, 0);
            device.copy(a, 0, b, 0, 1024);
            device.synchronize();
            float[] back = new float[256];
            device.download(b, 0, MemorySegment.ofArray(back));
            assertArrayEquals(values, back);
        }
    }

    private float[] nonZeroFloats(int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            float v = (random.nextFloat() * 2 - 1) * 8;
            values[i] = v == 0 ? 0.5f : v;
        }
        return values;
    }

    private byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }
}
