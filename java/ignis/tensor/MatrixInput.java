package ignis.tensor;

import ignis.IgnisException;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Activation rows as the matrix kernels read them, made once per input and read by every weight
 * row: the rows in their activation type and, for the int8 types (Q8_0, Q8_1, Q8_K), each block's
 * quants sign-extended to 16 bits and split into even and odd elements, with the block scales as
 * floats. Unpacking the activation side once leaves the row kernels only the weight side to
 * unpack per block. Reused from input to input; arrays grow on first use only.
 */
public final class MatrixInput {
    private final GGMLType type;
    private MemorySegment rows;
    private long rowBytes;
    private int length;
    private int tokens;
    /** Element 2i of token t's row at {@code evens[t * length / 2 + i]}; odd elements likewise. */
    short[] evens = new short[0];
    short[] odds = new short[0];
    /** Scale of activation block k of token t at {@code scales[t * length / blockSize + k]}. */
    float[] scales = new float[0];
    /** Q8_1 only: each block's s (d times the sum of its quants, as stored), indexed as {@link #scales}. */
    float[] blockSums = new float[0];
    /** Sum of the quants of each 32 values, indexed as 32-value blocks from token 0 on. */
    int[] sums32 = new int[0];
    /**
     * True when the 16-bit arrays hold the quants and no quant is -128: then two neighbouring
     * weight-times-activation products (|w| <= 128, |a| <= 127) sum within a short.
     */
    boolean unpacked;
    /**
     * For Q8_0, Q5_0 and Q4_1 weights and their inputs (Q8_0, Q8_1) of {@link Q8_0x16#FLOAT_TOKENS}
     * tokens or more (see {@link #prepareFor}), with 256-bit vectors: every quant as a float, for the prefill kernel of {@link Q8_0x16},
     * tokens in groups of {@link Q8_0x16#PLANE_TOKENS} that share a vector, 8 lanes each. A
     * 32-value block is 4 planes; lane l of plane j holds element 4l + j (lane l gathers the 4
     * elements ggml's AVX2 kernel sums into int lane l). Plane j of block k of token group G
     * starts at {@code quantFloats[((G * length / 32 + k) * 4 + j) * 8 * PLANE_TOKENS]}, token u of
     * the group at 8u from there; a last, partial group repeats its last token. Valid while
     * {@link #hasQuantFloats}.
     */
    float[] quantFloats = new float[0];
    /** The block scales laid out as one plane of {@link #quantFloats}: 8 lanes of token u's d at {@code (G * length / 32 + k) * 8 * PLANE_TOKENS + 8u}. */
    float[] quantFloatScales = new float[0];
    /**
     * The same with 512-bit vectors ({@link Q8_0x16#WIDE}), for {@link Q8_0LanePairs}: lane pair p's
     * 8 quants of block k of token t ({@link Q8_0LanePairs#elementOfSlot}) at
     * {@code lanePairQuants[((p * lanePairTokens + t) * length / 32 + k) * 8]}, d at
     * {@code lanePairScales[t * length / 32 + k]}; tokens up to {@link #lanePairTokens}, a multiple
     * of {@link Q8_0LanePairs#TOKENS}, the last token repeated past {@link #tokens}.
     */
    float[] lanePairQuants = new float[0];
    float[] lanePairScales = new float[0];
    int lanePairTokens;
    /** Either layout: {@link #quantFloats} (256 bits) or {@link #lanePairQuants} (512 bits). */
    boolean hasQuantFloats;

    /**
     * For the 512-bit decode kernel of Q8_0, Q5_0 and Q4_1 weights ({@link Q8_0x16}; see
     * {@link #prepareFor}): each 32-value block's 16 {@link #evens} twice over, one copy per
     * row of the pair a vector works on, at {@code evensTwice[32 k]}; the odds likewise. Valid
     * while {@link #hasQuantsTwice}.
     */
    short[] evensTwice = new short[0];
    short[] oddsTwice = new short[0];
    boolean hasQuantsTwice;

    /**
     * For Q4_0 and Q4_K weights and unpacked inputs of at least a tile of tokens (see
     * {@link #prepareFor}): the quants regrouped for the many-token kernels of {@link Q4_0x16}
     * and {@link Q4_Kx16}, {@code w} tokens at a time: value e of the row of token {@code w i + u}
     * at {@code tileQuants[(i * length + e) * w + u]}, so that one base address serves the tile;
     * a last, partial tile repeats its last token. Valid while {@link #hasTileQuants}.
     */
    short[] tileQuants = new short[0];
    boolean hasTileQuants;

    /**
     * For F32, F16 and BF16 weights (see {@link #prepareFor}): the rows as floats, for {@link FloatRows},
     * token t at byte {@code t * floatRowBytes}; valid while {@link #hasFloats}. Native and 64-byte
     * aligned: a heap array's values start 16 bytes into the object, and half of the 32-byte loads
     * from it would straddle two cache lines.
     */
    MemorySegment floats = MemorySegment.NULL;
    long floatRowBytes;
    boolean hasFloats;

    /**
     * With 512-bit vectors and batch-order tokens, beside {@link #floats}: each token's values in
     * chunks of 8, every chunk twice, chunk c of token t at {@code (t * (length / 8) + c) * 16},
     * for {@link FloatRowPairs}. Valid while {@link #hasFloatsTwice}.
     */
    float[] floatsTwice = new float[0];
    boolean hasFloatsTwice;
    private float[] widenBuffer = new float[0];

    /** Runs a {@link TokenRange} over {@code [0, count)}, split into ranges that may run in parallel; returns when all are done. */
    public interface TokenLoop {
        void forRanges(int count, TokenRange range);
    }

    /** Work on items {@code [from, to)} that no other range touches. */
    public interface TokenRange {
        void run(int from, int to);
    }

    private static final TokenLoop SERIAL = (count, range) -> range.run(0, count);
    private TokenLoop loop = SERIAL;
    // the per-token work of the layouts, made once (a method reference per call would allocate)
    private final TokenRange unpackRange = this::unpackTokens;
    private final TokenRange transposeRange = this::transposeTokenGroups;
    private final TokenRange lanePairRange = this::fillLanePairs;
    private final TokenRange regroupRange = this::regroupTiles;
    private final TokenRange doubleFloatsRange = this::doubleFloats;
    /** Set by any range of {@link #unpackTokens} that meets a -128. */
    private volatile boolean sawMinus128;
    private int regroupTile;

    /** Per token: summed as inside a batch (true) or as a lone token (false); null: as the token count says. */
    private boolean[] batchOrder;

    public MatrixInput(GGMLType type) {
        this.type = type;
    }

    /**
     * Has the per-token work of {@link #set} and {@link #prepareFor} split by {@code loop} (a
     * thread pool's), from the next call on; it stays serial by default.
     */
    public void setTokenLoop(TokenLoop loop) {
        this.loop = loop;
    }

    /**
     * Sets, until the next {@link #set}, the summation order per token, for formats whose order
     * depends on the batch (see {@link QuantFormat#matrixDot}): a batch of many sequences gives
     * each token the order it would have in its own sequence's pass.
     */
    public void setSumOrder(boolean[] batchOrder) {
        this.batchOrder = batchOrder;
    }

    /** The batch size {@link QuantFormat#matrixDot} is told for token {@code t}. */
    public int orderTokens(int t) {
        return batchOrder == null ? tokens : batchOrder[t] ? Math.max(2, tokens) : 1;
    }

    public GGMLType type() {
        return type;
    }

    public MemorySegment rows() {
        return rows;
    }

    public long rowBytes() {
        return rowBytes;
    }

    public int length() {
        return length;
    }

    public int tokens() {
        return tokens;
    }

    /** Takes {@code tokens} rows of {@code length} values of {@link #type()}, row t at byte {@code t * rowBytes}. */
    public void set(MemorySegment rows, long rowBytes, int length, int tokens) {
        if (length % type.blockSize != 0 || rowBytes < type.bytesFor(length) || tokens < 0
                || (tokens > 0 && rowBytes * (tokens - 1) + type.bytesFor(length) > rows.byteSize())) {
            throw new IgnisException(type + ": " + tokens + " activation rows of " + length + " values at a stride of "
                    + rowBytes + " bytes do not fit a segment of " + rows.byteSize() + " bytes");
        }
        this.rows = rows;
        this.rowBytes = rowBytes;
        this.length = length;
        this.tokens = tokens;
        this.batchOrder = null;
        unpacked = VectorKernels.ENABLED && (type == GGMLType.Q8_0 || type == GGMLType.Q8_K || type == GGMLType.Q8_1)
                && unpackInt8();
        hasQuantFloats = false;
        hasQuantsTwice = false;
        hasTileQuants = false;
        hasFloats = false;
        hasFloatsTwice = false;
    }

    /**
     * Makes the extra layouts the kernels of {@code weightType} read, where they apply: quants
     * regrouped for the packed Q4_0/Q4_K many-token kernels, quants as floats for the Q8_0
     * prefill kernel, the rows as floats for F32/F16/BF16 weights.
     * Call once per input before handing it to the kernels (not thread-safe).
     */
    public void prepareFor(GGMLType weightType) {
        switch (weightType) {
            case Q4_0, Q4_K -> {
                int tile = weightType == GGMLType.Q4_0 ? Q4_0x16.TILE_TOKENS : Q4_Kx16.TILE_TOKENS;
                if (!hasTileQuants && VectorKernels.ENABLED && unpacked && tokens >= tile) {
                    regroupForTiles(tile);
                    hasTileQuants = true;
                }
            }
            case Q8_0, Q5_0, Q4_1 -> {
                if (!hasQuantFloats && VectorKernels.ENABLED && (type == GGMLType.Q8_0 || type == GGMLType.Q8_1)
                        && tokens >= Q8_0x16.FLOAT_TOKENS) {
                    transposeToFloats();
                    hasQuantFloats = true;
                }
                if (!hasQuantFloats && !hasQuantsTwice && unpacked && Q8_0x16.WIDE) {
                    doubleQuants();
                    hasQuantsTwice = true;
                }
            }
            // BF16 only for batch-order tokens: its lone tokens keep its own dot (see FloatRows)
            case F32, F16, BF16 -> {
                if (!hasFloats && VectorKernels.ENABLED && type == weightType && tokens > 0
                        && (weightType != GGMLType.BF16 || anyBatchOrderToken())) {
                    widen();
                    hasFloats = true;
                }
                if (hasFloats && !hasFloatsTwice && FloatRowPairs.ENABLED && anyBatchOrderToken()) {
                    int size = tokens * (length / 8) * 16;
                    floatsTwice = floatsTwice.length >= size ? floatsTwice : new float[size];
                    loop.forRanges(tokens, doubleFloatsRange);
                    hasFloatsTwice = true;
                }
            }
            default -> {
            }
        }
    }

    private boolean anyBatchOrderToken() {
        for (int t = 0; t < tokens; t++) {
            if (orderTokens(t) >= 2) {
                return true;
            }
        }
        return false;
    }

    /** Fills {@link #floats} (exact: every F16 and BF16 value is a float), each row from a 64-byte boundary. */
    private void widen() {
        floatRowBytes = FloatRows.widenedBytes(length);
        floats = FloatRows.atLeast(floats, floatRowBytes * tokens);
        widenBuffer = widenBuffer.length >= length ? widenBuffer : new float[length];
        for (int t = 0; t < tokens; t++) {
            FloatRows.widen(type, rows, t * rowBytes, floats, t * floatRowBytes, length, widenBuffer);
        }
    }

    /** {@link #floatsTwice} of tokens {@code [from, to)}. */
    private void doubleFloats(int from, int to) {
        int chunks = length / 8;
        for (int t = from; t < to; t++) {
            for (int c = 0; c < chunks; c++) {
                FloatVector v = FloatVector.fromMemorySegment(VectorKernels.FLOAT_256, floats, t * floatRowBytes + 32L * c, LittleEndian.ORDER);
                int at = (t * chunks + c) * 16;
                v.intoArray(floatsTwice, at);
                v.intoArray(floatsTwice, at + 8);
            }
        }
    }

    /** Fills {@link #tileQuants}, {@code tile} tokens at a time, from {@link #evens} and {@link #odds}. */
    private void regroupForTiles(int tile) {
        int tiles = (tokens + tile - 1) / tile;
        if (tileQuants.length < tiles * tile * length) {
            tileQuants = new short[tiles * tile * length];
        }
        regroupTile = tile;
        loop.forRanges(tiles, regroupRange);
    }

    /** {@link #regroupForTiles} of tiles {@code [from, to)}. */
    private void regroupTiles(int from, int to) {
        int tile = regroupTile;
        for (int i = from; i < to; i++) {
            for (int u = 0; u < tile; u++) {
                int source = Math.min(i * tile + u, tokens - 1) * length / 2;
                int at = i * length * tile + u;
                for (int e = 0; e < length / 2; e++) {
                    tileQuants[at + 2 * e * tile] = evens[source + e];
                    tileQuants[at + (2 * e + 1) * tile] = odds[source + e];
                }
            }
        }
    }

    /** Fills {@link #evensTwice} and {@link #oddsTwice} from {@link #evens} and {@link #odds}. */
    private void doubleQuants() {
        int blocks = length * tokens / 32;
        if (evensTwice.length < 32 * blocks) {
            evensTwice = new short[32 * blocks];
            oddsTwice = new short[32 * blocks];
        }
        for (int k = 0; k < blocks; k++) {
            for (int copy = 0; copy < 2; copy++) {
                System.arraycopy(evens, 16 * k, evensTwice, 32 * k + 16 * copy, 16);
                System.arraycopy(odds, 16 * k, oddsTwice, 32 * k + 16 * copy, 16);
            }
        }
    }

    /** Fills {@link #quantFloats} and {@link #quantFloatScales}, or with 512-bit vectors the lane pairs (the scales from {@link #scales}, filled by {@link #unpackInt8}). */
    private void transposeToFloats() {
        if (Q8_0x16.WIDE) {
            lanePairTokens = (tokens + Q8_0LanePairs.TOKENS - 1) / Q8_0LanePairs.TOKENS * Q8_0LanePairs.TOKENS;
            if (lanePairQuants.length < lanePairTokens * length) {
                lanePairQuants = new float[lanePairTokens * length];
                lanePairScales = new float[lanePairTokens * length / Q8_0Format.BLOCK];
            }
            loop.forRanges(lanePairTokens, lanePairRange);
            return;
        }
        int width = Q8_0x16.PLANE_TOKENS;
        int groups = (tokens + width - 1) / width;
        if (quantFloats.length < groups * width * length) {
            quantFloats = new float[groups * width * length];
            quantFloatScales = new float[groups * width * length / 4];
        }
        loop.forRanges(groups, transposeRange);
    }

    /** {@link #transposeToFloats} of token groups {@code [from, to)}. */
    private void transposeTokenGroups(int from, int to) {
        int blocksPerRow = length / Q8_0Format.BLOCK;
        int width = Q8_0x16.PLANE_TOKENS;
        int quantsOffset = type == GGMLType.Q8_1 ? Q8_1Format.QS : 2;
        for (int t = from * width; t < to * width; t++) {
            int source = Math.min(t, tokens - 1);
            int lane = 8 * (t % width);
            for (int k = 0; k < blocksPerRow; k++) {
                long quants = source * rowBytes + (long) k * type.blockBytes + quantsOffset;
                int block = t / width * blocksPerRow + k;
                Arrays.fill(quantFloatScales, block * 8 * width + lane, block * 8 * width + lane + 8, scales[source * blocksPerRow + k]);
                // int lane l holds elements 4l..4l+3
                IntVector q = IntVector.fromMemorySegment(VectorKernels.INT_256, rows, quants, LittleEndian.ORDER);
                for (int j = 0; j < 4; j++) {
                    VectorKernels.bytePlane(q, j).intoArray(quantFloats, (block * 4 + j) * 8 * width + lane);
                }
            }
        }
    }

    /** A block's quants in the order of their lane-pair slots ({@link Q8_0LanePairs#elementOfSlot}). */
    private static final VectorShuffle<Byte> TO_PAIR_SLOTS = VectorShuffle.fromOp(ByteVector.SPECIES_256, Q8_0LanePairs::elementOfSlot);

    /** {@link #lanePairQuants} and {@link #lanePairScales} of tokens {@code [from, to)}. */
    private void fillLanePairs(int from, int to) {
        int blocksPerRow = length / Q8_0Format.BLOCK;
        int quantsOffset = type == GGMLType.Q8_1 ? Q8_1Format.QS : 2;
        for (int t = from; t < to; t++) {
            int source = Math.min(t, tokens - 1);
            System.arraycopy(scales, source * blocksPerRow, lanePairScales, t * blocksPerRow, blocksPerRow);
            for (int k = 0; k < blocksPerRow; k++) {
                long quants = source * rowBytes + (long) k * type.blockBytes + quantsOffset;
                ByteVector q = ByteVector.fromMemorySegment(ByteVector.SPECIES_256, rows, quants, LittleEndian.ORDER)
                        .rearrange(TO_PAIR_SLOTS);
                for (int p = 0; p < Q8_0LanePairs.PAIRS; p++) {
                    ((FloatVector) q.convertShape(VectorOperators.B2F, FloatVector.SPECIES_256, p)).intoArray(lanePairQuants, ((p * lanePairTokens + t) * blocksPerRow + k) * 8);
                }
            }
        }
    }

    private boolean unpackInt8() {
        int values = length * tokens;
        if (evens.length < values / 2) {
            evens = new short[values / 2];
            odds = new short[values / 2];
        }
        int blocksPerRow = length / type.blockSize;
        if (scales.length < blocksPerRow * tokens) {
            scales = new float[blocksPerRow * tokens];
        }
        if (sums32.length < values / 32) {
            sums32 = new int[values / 32];
        }
        if (type == GGMLType.Q8_1 && blockSums.length < blocksPerRow * tokens) {
            blockSums = new float[blocksPerRow * tokens];
        }
        sawMinus128 = false;
        loop.forRanges(tokens, unpackRange);
        return !sawMinus128;
    }

    /** {@link #unpackInt8} of tokens {@code [from, to)}. */
    private void unpackTokens(int from, int to) {
        int blocksPerRow = length / type.blockSize;
        boolean q8_1 = type == GGMLType.Q8_1;
        // Q8_0 and Q8_1 start with d as fp16, Q8_K with d as a float
        boolean halfScale = type != GGMLType.Q8_K;
        int quantsOffset = switch (type) {
            case Q8_0 -> 2;
            case Q8_1 -> Q8_1Format.QS;
            default -> Q8_KFormat.QS;
        };
        ShortVector smallest = ShortVector.broadcast(VectorKernels.SHORT_256, (short) 0);
        for (int t = from; t < to; t++) {
            for (int k = 0; k < blocksPerRow; k++) {
                long block = t * rowBytes + (long) k * type.blockBytes;
                int blockIndex = t * blocksPerRow + k;
                scales[blockIndex] = halfScale ? LittleEndian.half(rows, block) : rows.get(LittleEndian.FLOAT, block);
                if (q8_1) {
                    blockSums[blockIndex] = LittleEndian.half(rows, block + Q8_1Format.SUM);
                }
                for (int j = 0; j < type.blockSize; j += 32) {
                    ShortVector pairs = VectorKernels.load32(rows, block + quantsOffset + j);
                    ShortVector even = VectorKernels.signedByte(pairs, 0);
                    ShortVector odd = VectorKernels.signedByte(pairs, 1);
                    int at = (blockIndex * type.blockSize + j) / 2;
                    even.intoArray(evens, at);
                    odd.intoArray(odds, at);
                    smallest = smallest.min(even).min(odd);
                    sums32[at / 16] = even.add(odd).reduceLanes(VectorOperators.ADD);
                }
            }
        }
        if (smallest.reduceLanes(VectorOperators.MIN) <= -128) {
            sawMinus128 = true;
        }
    }
}
