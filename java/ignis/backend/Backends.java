package ignis.backend;

import ignis.IgnisException;
import ignis.backend.cpu.CpuBackend;

/** Chooses a backend by name. */
public final class Backends {
    private Backends() {
    }

    /** "cpu", or "auto" (the best one present; today the CPU). Anything else is an error naming it. */
    public static Backend byName(String name) {
        return switch (name) {
            case "cpu", "auto" -> new CpuBackend();
            default -> throw new IgnisException("unknown backend '" + name + "' (available: cpu, auto)");
        };
    }
}
