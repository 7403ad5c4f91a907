package ignis.runtime.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvBlockManagerTest {
    private static final int[] PROMPT = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

    @Test
    void blocksAreHandedOutOnceAndComeBack() {
        KvBlockManager m = new KvBlockManager(3, 8);
        int a = m.allocate();
        int b = m.allocate();
        int c = m.allocate();
        assertEquals(-1, m.allocate());
        assertEquals(3, List.of(a, b, c).stream().distinct().count());
        m.release(b);
        assertEquals(1, m.freeBlocks());
        assertEquals(b, m.allocate());
        m.release(a);
        assertThrows(IllegalStateException.class, () -> m.release(a));
    }

    @Test
    void aRememberedPrefixIsSharedAndSurvivesItsLastUserUntilEvicted() {
        KvBlockManager m = new KvBlockManager(2, 8);
        KvBlockManager.PrefixKey first = new KvBlockManager.PrefixKey(null, PROMPT, 0, 8);
        KvBlockManager.PrefixKey second = new KvBlockManager.PrefixKey(first, PROMPT, 8, 16);
        int b0 = m.allocate();
        m.remember(b0, first);
        assertEquals(b0, m.takeCached(new KvBlockManager.PrefixKey(null, PROMPT.clone(), 0, 8)));
        assertEquals(2, m.references(b0));
        assertEquals(-1, m.takeCached(second));
        m.release(b0);
        m.release(b0);
        assertEquals(2, m.freeBlocks());
        assertEquals(1, m.cachedFreeBlocks());
        assertEquals(b0, m.takeCached(first)); // still there after its users left
        m.release(b0);
        // the oldest free block goes first: the never-used one, then the cached one, which forgets its prefix
        int x = m.allocate();
        assertNotEquals(b0, x);
        assertEquals(b0, m.allocate());
        assertEquals(-1, m.takeCached(first));
    }

    @Test
    void equalTokensAfterDifferentPrefixesAreDifferentBlocks() {
        int[] other = PROMPT.clone();
        other[0] = 99;
        KvBlockManager.PrefixKey a = new KvBlockManager.PrefixKey(new KvBlockManager.PrefixKey(null, PROMPT, 0, 8), PROMPT, 8, 16);
        KvBlockManager.PrefixKey b = new KvBlockManager.PrefixKey(new KvBlockManager.PrefixKey(null, other, 0, 8), other, 8, 16);
        assertNotEquals(a, b);
        KvBlockManager m = new KvBlockManager(2, 8);
        m.remember(m.allocate(), a);
        assertEquals(-1, m.takeCached(b));
    }

    @Test
    void writingToASharedBlockCopiesItFirst() {
        KvBlockManager m = new KvBlockManager(3, 8);
        int shared = m.allocate();
        KvBlockManager.PrefixKey key = new KvBlockManager.PrefixKey(null, PROMPT, 0, 8);
        m.remember(shared, key);
        m.takeCached(key);
        List<int[]> copies = new ArrayList<>();
        int mine = m.writable(shared, (from, to) -> copies.add(new int[] {from, to}));
        assertNotEquals(shared, mine);
        assertEquals(1, copies.size());
        assertEquals(shared, copies.get(0)[0]);
        assertEquals(mine, copies.get(0)[1]);
        assertEquals(1, m.references(shared));
        // the only user writes in place, and the prefix it held is forgotten
        assertEquals(shared, m.writable(shared, (from, to) -> copies.add(null)));
        assertEquals(1, copies.size());
        assertEquals(-1, m.takeCached(key));
    }

    @Test
    void aCopyWithNoFreeBlockIsRefused() {
        KvBlockManager m = new KvBlockManager(1, 8);
        int b = m.allocate();
        KvBlockManager.PrefixKey key = new KvBlockManager.PrefixKey(null, PROMPT, 0, 8);
        m.remember(b, key);
        m.takeCached(key);
        assertEquals(-1, m.writable(b, (from, to) -> { }));
        assertEquals(2, m.references(b));
    }
}
