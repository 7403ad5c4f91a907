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
        GGMLType[][] pairs = {
            {GGMLType.F32, GGMLType.F32}, {GGMLType.F16, GGMLType.F16}, {GGMLType.BF16, GGMLType.BF16},
            {GGMLType.Q8_0, GGMLType.Q8_0}, {GGMLType.Q4_0, GGMLType.Q8_0}, {GGMLType.Q5_0, GGMLType.Q8_0},
            {GGMLType.Q4_1, GGMLType.Q8_1}, {GGMLType.Q4_K, GGMLType.Q8_K}, {GGMLType.Q5_K, GGMLType.Q8_K},
            {GGMLType.Q6_K, GGMLType.Q8_K},
        };
        for (GGMLType[] pair : pairs) {
            assertEquals(pair[0], QuantFormat.of(pair[0]).type());
            assertEquals(pair[1], QuantFormat.of(pair[0]).activationType(), pair[0].toString());
        }
    }

    @Test
    void everyTypeMarkedSupportedHasAFormat() {
        for (GGMLType type : GGMLType.values()) {
            if (type.isSupported()) {
                assertEquals(type, QuantFormat.of(type).type());
            } else {
                assertThrows(IgnisException.class, () -> QuantFormat.of(type));
            }
        }
    }
}
