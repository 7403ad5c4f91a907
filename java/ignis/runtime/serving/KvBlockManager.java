package ignis.runtime.serving;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * Which KV blocks of a pool are in use, by how many sequences, and which hold a known prompt
 * prefix (prefix caching as vLLM does it). A full block is identified by its tokens and the
 * identity of everything before it; a sequence whose prompt starts with the same tokens takes
 * the same blocks (reference counted) instead of recomputing them. A block whose last user left
 * stays cached, in least-recently-freed order, until a fresh block is needed and it is the
 * oldest free one. Single-threaded (the scheduler's thread).
 */
final class KvBlockManager {
    private final int blocks;
    private final int blockTokens;
    private final int[] references;
    /** Free blocks, oldest first; those with a key are reusable prefixes until handed out again. */
    private final LinkedHashSet<Integer> free = new LinkedHashSet<>();
    private final Map<PrefixKey, Integer> cached = new HashMap<>();
    private final PrefixKey[] keyOf;

    KvBlockManager(int blocks, int blockTokens) {
        this.blocks = blocks;
        this.blockTokens = blockTokens;
        this.references = new int[blocks];
        this.keyOf = new PrefixKey[blocks];
        for (int b = 0; b < blocks; b++) {
            free.add(b);
        }
    }

    int blocks() {
        return blocks;
    }

    int blockTokens() {
        return blockTokens;
    }

    /** Blocks no sequence holds (cached prefixes included: they can be handed out). */
    int freeBlocks() {
        return free.size();
    }

    /** Free blocks that still hold a reusable prefix. */
    int cachedFreeBlocks() {
        int n = 0;
        for (int b : free) {
            n += keyOf[b] != null ? 1 : 0;
        }
        return n;
    }

    int references(int block) {
        return references[block];
    }

    /** Blocks needed to hold {@code positions} positions. */
    int blocksFor(int positions) {
        return (positions + blockTokens - 1) / blockTokens;
    }

    /** A fresh block (forgetting the prefix it held, if any), or -1 when none is free. */
    int allocate() {
        Iterator<Integer> oldest = free.iterator();
        if (!oldest.hasNext()) {
            return -1;
        }
        int b = oldest.next();
        oldest.remove();
        if (keyOf[b] != null) {
            cached.remove(keyOf[b]);
            keyOf[b] = null;
        }
        references[b] = 1;
        return b;
    }

    /** One user fewer; the last one's leaving makes the block free (still cached if it has a key). */
    void release(int block) {
        if (references[block] <= 0) {
            throw new IllegalStateException("KV block " + block + " released more often than taken");
        }
        if (--references[block] == 0) {
            free.add(block);
        }
    }

    /** The block holding {@code key}'s prefix, taken for one more user, or -1 if none is cached. */
    int takeCached(PrefixKey key) {
        Integer b = cached.get(key);
        if (b == null) {
            return -1;
        }
        if (references[b]++ == 0) {
            free.remove(b);
        }
        return b;
    }

    /** Records that full block {@code block} holds {@code key}'s prefix (first holder wins). */
    void remember(int block, PrefixKey key) {
        if (keyOf[block] == null && !cached.containsKey(key)) {
            cached.put(key, block);
            keyOf[block] = key;
        }
    }

    /**
     * A block the caller may write to in place of {@code block}: itself when the caller is its
     * only user, else a private copy (copy-on-write: {@code copier} copies the data), or -1 when
     * a copy is needed and no block is free.
     */
    int writable(int block, BlockCopier copier) {
        if (references[block] == 1 && keyOf[block] == null) {
            return block;
        }
        if (references[block] == 1) {
            // the caller is about to change what this cached prefix holds: forget the prefix
            cached.remove(keyOf[block]);
            keyOf[block] = null;
            return block;
        }
        int copy = allocate();
        if (copy < 0) {
            return -1;
        }
        copier.copy(block, copy);
        release(block);
        return copy;
    }

    interface BlockCopier {
        void copy(int from, int to);
    }

    /**
     * A full block's identity: its tokens and the key of the block before it (null for the
     * first), compared by content so two prompts share blocks only when they are equal up to the
     * end of the block.
     */
    static final class PrefixKey {
        private final PrefixKey parent;
        private final int[] tokens;
        private final int hash;

        PrefixKey(PrefixKey parent, int[] tokens, int from, int to) {
            this.parent = parent;
            this.tokens = Arrays.copyOfRange(tokens, from, to);
            this.hash = 31 * (parent == null ? 0 : parent.hash) + Arrays.hashCode(this.tokens);
        }

        @Override
        public boolean equals(Object o) {
            if (this == o) {
                return true;
            }
            if (!(o instanceof PrefixKey k) || k.hash != hash) {
                return false;
            }
            PrefixKey a = this;
            PrefixKey b = k;
            while (a != null && b != null) {
                if (a == b) {
                    return true;
                }
                if (a.hash != b.hash || !Arrays.equals(a.tokens, b.tokens)) {
                    return false;
                }
                a = a.parent;
                b = b.parent;
            }
            return a == b;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
