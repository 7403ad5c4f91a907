package ignis.backend;

/** The keys and values of one sequence, in the executor's own memory. */
public interface KvCache {

    /** Positions this cache can hold. */
    int capacity();

    /** Positions filled so far (the next token's position). */
    int length();

    /** Forgets positions from {@code length} on (for re-generation and speculative decoding). */
    void truncate(int length);
}
