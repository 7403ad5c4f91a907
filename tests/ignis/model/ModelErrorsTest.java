package ignis.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ignis.IgnisException;
import ignis.gguf.GGUFFile;
import ignis.gguf.GGUFTensorInfo;
import ignis.gguf.GGUFWriter;
import ignis.tensor.GGMLType;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Models Ignis cannot run fail to load with an error naming the file, the tensor and the problem. */
class ModelErrorsTest {
    @TempDir
    Path dir;

    /** A copy of a valid dummy model with {@code change} applied to each tensor (null drops it). */
    private Path copyWith(String name, Function<GGUFTensorInfo, GGUFTensorInfo> change) {
        Path out = dir.resolve(name);
        try (GGUFFile source = GGUFFile.open(SyntheticModels.get(SyntheticModels.TEST_SHAPE, "Q8_0", 7))) {
            GGUFWriter w = new GGUFWriter().putAll(source);
            for (GGUFTensorInfo info : source.tensorInfos()) {
                GGUFTensorInfo changed = change.apply(info);
                if (changed == info) {
                    w.addTensor(source.tensor(info.name()));
                } else if (changed != null) {
                    // The bytes do not matter: loading must stop at the tensor table.
                    w.addTensor(changed.name(), changed.type(), changed.shape(), segment -> segment.fill((byte) 0x11));
                }
            }
            w.write(out);
        }
        return out;
    }

    @Test
    void unsupportedTensorTypeIsNamed() {
        Path file = copyWith("q2k.gguf", t -> t.name().equals("blk.0.ffn_up.weight")
                ? new GGUFTensorInfo(t.name(), GGMLType.Q2_K, t.shape(), 0) : t);
        IgnisException e = assertThrows(IgnisException.class, () -> LlamaModel.load(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("'blk.0.ffn_up.weight' has type Q2_K"),
                e.getMessage());
    }

    @Test
    void missingTensorIsNamed() {
        Path file = copyWith("missing.gguf", t -> t.name().equals("blk.1.attn_k.weight") ? null : t);
        IgnisException e = assertThrows(IgnisException.class, () -> LlamaModel.load(file));
        assertTrue(e.getMessage().contains("tensor 'blk.1.attn_k.weight' is missing"), e.getMessage());
    }

    @Test
    void wrongShapeIsNamed() {
        Path file = copyWith("shape.gguf", t -> t.name().equals("output_norm.weight")
                ? new GGUFTensorInfo(t.name(), t.type(), new long[] {128}, 0) : t);
        IgnisException e = assertThrows(IgnisException.class, () -> LlamaModel.load(file));
        assertTrue(e.getMessage().contains("'output_norm.weight' has shape [128], expected [256]"), e.getMessage());
    }
}
