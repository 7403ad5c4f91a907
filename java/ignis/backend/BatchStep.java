package ignis.backend;

/**
 * One step of a batched forward pass: tokens of several sequences, each at its own position,
 * reading and writing its sequence's KV through that sequence's block table. Filled by the
 * scheduler and reused from step to step (no allocation per step).
 *
 * <p>Token {@code t} of the step is {@code token[t]} at {@code position[t]} of sequence
 * {@code sequence[t]}, whose blocks are {@code tables[sequence[t]]} (block {@code i} holds
 * positions {@code [i * blockTokens, (i+1) * blockTokens)}). Every token is summed as a lone
 * decode token is (in matrix products and attention), so a sequence's numbers do not depend on
 * what else shares its step or how its prompt was chunked. The step's logits are those of tokens {@code logitTokens[0..logitCount)}, in that order.
 */
public final class BatchStep {
    public final int capacity;
    public final int[] token;
    public final int[] position;
    public final int[] sequence;
    public final int[][] tables;
    public final int[] logitTokens;
    private int tokens;
    private int sequences;
    private int logitCount;

    /** Room for {@code capacity} tokens of at most {@code maxSequences} sequences. */
    public BatchStep(int capacity, int maxSequences) {
        this.capacity = capacity;
        this.token = new int[capacity];
        this.position = new int[capacity];
        this.sequence = new int[capacity];
        this.tables = new int[maxSequences][];
        this.logitTokens = new int[capacity];
    }

    public void clear() {
        tokens = 0;
        sequences = 0;
        logitCount = 0;
    }

    /** Starts the next sequence of this step; returns its index. {@code table} is read during the step only. */
    public int addSequence(int[] table) {
        if (sequences == tables.length) {
            throw new IllegalStateException("a step holds at most " + tables.length + " sequences");
        }
        tables[sequences] = table;
        return sequences++;
    }

    /** Adds a token of sequence {@code seq}; with {@code wantLogits} its logits are returned. */
    public void addToken(int seq, int id, int pos, boolean wantLogits) {
        if (tokens == capacity) {
            throw new IllegalStateException("a step holds at most " + capacity + " tokens");
        }
        token[tokens] = id;
        position[tokens] = pos;
        sequence[tokens] = seq;
        if (wantLogits) {
            logitTokens[logitCount++] = tokens;
        }
        tokens++;
    }

    public int tokens() {
        return tokens;
    }

    public int sequences() {
        return sequences;
    }

    public int logitCount() {
        return logitCount;
    }
}
