package ignis.server.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MiniJsonTest {
    @Test
    void readsAStreamChunk() {
        Object chunk = MiniJson.parse("{\"id\":\"c1\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,"
                + "\"text\":\"a\\\"b\\n\\u00e9\\\\\",\"finish_reason\":null}],\"usage\":{\"completion_tokens\":7}}");
        assertEquals("a\"b\né\\", MiniJson.at(chunk, "choices", 0, "text"));
        assertNull(MiniJson.at(chunk, "choices", 0, "finish_reason"));
        assertEquals(7.0, MiniJson.at(chunk, "usage", "completion_tokens"));
        assertNull(MiniJson.at(chunk, "choices", 1, "text"));
        assertNull(MiniJson.at(chunk, "id", "x"));
    }

    @Test
    void valuesAndErrors() {
        assertEquals(List.of(1.0, -2.5, 300.0, true, false), MiniJson.parse(" [1, -2.5, 3e2, true, false] "));
        assertEquals(Map.of(), MiniJson.parse("{}"));
        assertThrows(IllegalArgumentException.class, () -> MiniJson.parse("{\"a\":1"));
        assertThrows(IllegalArgumentException.class, () -> MiniJson.parse("[1] x"));
        assertThrows(IllegalArgumentException.class, () -> MiniJson.parse("{a:1}"));
        assertThrows(IllegalArgumentException.class, () -> MiniJson.parse(""));
    }
}
