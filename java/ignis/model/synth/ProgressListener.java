package ignis.model.synth;

/** Told how far a long write has got: {@code done} of {@code total} units (bytes), working on {@code label}. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (done, total, label) -> { };

    void progress(long done, long total, String label);
}
