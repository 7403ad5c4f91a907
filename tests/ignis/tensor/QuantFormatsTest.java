package ignis.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;

import org.junit.jupiter.api.Test;

class QuantFormatsTest {

    @Test
    void unsupportedTypesAreRejectedByName() {
        for (GGMLType type : new GGMLType[] {GGMLType.Q2_K, GGMLType.Q3_K, GGMLType.Q5_1, GGMLType.IQ4_NL, GGMLType.F64, GGMLType.I32}) {
            IgnisException e = assertThrows(IgnisException.class, () -> QuantFormat.of(type));
            assertTrue(e.getMessage().contains(type.name()), e.getMessage());
        }
    }

    @Test
    void nullTypeIsRejected() {
        assertThrows(IgnisException.class, () -> QuantFormat.of(null));
    }

    @Test
    void activationTypesAreGgmlVecDotTypes() {
        assertEquals(GGMLType.F32, QuantFormat.of(GGMLType.F32).activationType());
        assertEquals(GGMLType.F16, QuantFormat.of(GGMLType.F16).activationType());
        assertEquals(GGMLType.Q8_0, QuantFormat.of(GGMLType.Q8_0).activationType());
    }
}
