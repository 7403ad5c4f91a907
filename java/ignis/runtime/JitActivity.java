package ignis.runtime;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much the JIT has worked so far, for warm-ups that wait for it to go quiet. On Linux the CPU
 * time of the JVM's compiler threads (from {@code /proc/self/task}), which counts a long compile
 * while it runs; elsewhere the JVM's total compile time, which counts a compile only once done.
 */
final class JitActivity {
    private static final Path TASKS = Path.of("/proc/self/task");
    /** /proc reports thread times in clock ticks of 1/100 s (USER_HZ). */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private JitActivity() {
    }

    /** Nanoseconds of compiling so far (compiler threads' CPU time, or the JVM's compile time). */
    static long compileNanos() {
        long fromThreads = compilerThreadNanos();
        if (fromThreads >= 0) {
            return fromThreads;
        }
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() * 1_000_000L : 0;
    }

    /** The CPU time of the threads named like HotSpot's compiler threads, or -1 where /proc does not say. */
    private static long compilerThreadNanos() {
        if (!Files.isDirectory(TASKS)) {
            return -1;
        }
        long ticks = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    ticks += compilerTicks(stat);
                } catch (IOException gone) {
                    // a thread that ended since the listing: its time no longer counts either way
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return ticks * NANOS_PER_TICK;
    }

    /**
     * utime + stime of one {@code /proc/.../stat} line if its thread is a compiler thread
     * ("C1 CompilerThre", "C2 CompilerThre"), else 0. The name stands in parentheses and may hold
     * spaces, so the fields are counted from the last ')'.
     */
    static long compilerTicks(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) {
            return 0;
        }
        String name = stat.substring(open + 1, close);
        if (!name.contains("CompilerThre")) {
            return 0;
        }
        // after ')': state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15)
        String[] fields = stat.substring(close + 2).trim().split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
}
