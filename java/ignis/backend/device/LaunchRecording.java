package ignis.backend.device;

/**
 * Kernel launches recorded once ({@link Device#record}) and queued again as one unit: a CUDA graph
 * on CUDA, where one replay costs one launch instead of hundreds; elsewhere the recorded launches.
 * Arguments are fixed at recording, so whatever changes between replays must be read from device
 * memory that the caller uploads before each replay.
 */
public interface LaunchRecording extends AutoCloseable {

    /** Queues the recorded launches, in order, after the work already queued. */
    void replay();

    @Override
    void close();
}
