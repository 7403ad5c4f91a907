package ignis.backend.device;

/** Memory on a {@link Device}. Closing frees it; a buffer is freed at most once. */
public interface DeviceBuffer extends AutoCloseable {

    long byteSize();

    /** What it holds, for error messages. */
    String purpose();

    @Override
    void close();
}
