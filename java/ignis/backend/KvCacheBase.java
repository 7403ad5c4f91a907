package ignis.backend;

/** The bookkeeping every {@link KvCache} shares: capacity and the filled length. */
public abstract class KvCacheBase implements KvCache {
    private final int capacity;
    private int length;

    protected KvCacheBase(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public final int capacity() {
        return capacity;
    }

    @Override
    public final int length() {
        return length;
    }

    /** Marks {@code tokens} more positions filled. */
    public final void advance(int tokens) {
        length += tokens;
    }

    @Override
    public final void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate a cache of " + length + " positions to " + newLength);
        }
        length = newLength;
    }
}
