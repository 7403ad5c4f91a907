package ignis.backend.device;

import ignis.IgnisException;
import ignis.runtime.sampling.SamplingParams;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;

/**
 * Samples the next token on the device (kernel {@code sample_token}, cuda-kernels/sample.cu) from logits already
 * there, so that only the token id comes back: temperature, top-k, top-p and min-p exactly as the host
 * {@link ignis.runtime.sampling.Sampler} filters (same order, tie rule and cuts), then a draw with a uniform
 * {@code u} in [0, 1) that the caller takes from the sampler's SplitMix64 stream. Penalties are not applied here:
 * {@link #supports} is false when the params have any.
 *
 * <p>The draw walks the survivors in token-id order: the first whose running probability exceeds {@code u}. That
 * is the host sampler's own order when top-k and top-p are off; after its top-k/top-p selections the host walks
 * its candidates in the order its heap and quickselect leave them, so there the device picks a token with the
 * same probabilities, not always the same token for the same {@code u}.
 *
 * <p>When only one token survives the filters (greedy, top_k 1, ...) the host sampler draws no random number;
 * {@link #lastCandidateCount()} says how many survived so the caller can keep its stream in step (consume
 * {@code u} only when it is above 1).
 *
 * <p>Limits (see the kernel's comment): top_k up to {@link #MAX_TOP_K}; with top-k off and top-p on, the top-p
 * set must lie within the {@link #MAX_TOP_K} best tokens (or min-p must cut it there). Outside them the logits are
 * downloaded and the same selection runs here on the host, in double ({@link #lastUsedHost()}), so every call
 * returns a token. Not thread-safe; allocates its device scratch once.
 */
public final class DeviceSampler implements AutoCloseable {
    /** The most candidates the kernel gathers and sorts (SAMPLE_CAP); top_k above it runs on the host. */
    public static final int MAX_TOP_K = 1024;
    /** Group size of {@code sample_token} (SAMPLE_THREADS). */
    public static final int THREADS = 256;
    private static final int NO_TOKEN = -1;
    private static final int OVERFLOW = -2;

    private final Device device;
    private final Kernel kernel;
    private final DeviceBuffer out;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment hostOut;
    private int lastCount;
    private boolean lastUsedHost;
    private float[] hostLogits = new float[0];
    private long[] order = new long[0];

    public DeviceSampler(Device device) {
        this.device = Objects.requireNonNull(device, "device");
        this.kernel = device.kernels().kernel("sample_token");
        this.out = device.allocate(2L * Integer.BYTES, "sampled token and candidate count");
        this.hostOut = arena.allocate(2L * Integer.BYTES, 16);
    }

    /** True when {@link #sample} picks as the host sampler does: no penalties (greedy or not). */
    public static boolean supports(SamplingParams p) {
        boolean penalties = p.repeatLastN() != 0
                && (p.repeatPenalty() != 1.0f || p.frequencyPenalty() != 0.0f || p.presencePenalty() != 0.0f);
        return !penalties;
    }

    /** True when the kernel alone handles these params for every logits (no host fallback possible). */
    public static boolean runsOnDevice(SamplingParams p, int n) {
        if (!supports(p)) {
            return false;
        }
        if (p.isGreedy()) {
            return true;
        }
        boolean kOn = p.topK() > 0 && p.topK() < n;
        return kOn ? p.topK() <= MAX_TOP_K : p.topP() >= 1.0f;
    }

    /**
     * The token for the first {@code n} logits of {@code logits} (no NaN or +Infinity; the penalties, if any,
     * already applied) under {@code params} and the draw {@code u} in [0, 1) (unused when one token survives).
     */
    public int sample(DeviceBuffer logits, int n, SamplingParams params, double u) {
        Objects.requireNonNull(params, "params");
        if (n <= 0 || (long) n * Float.BYTES > logits.byteSize()) {
            throw new IllegalArgumentException("sampler: " + n + " logits do not fit " + logits.purpose()
                    + " (" + logits.byteSize() + " bytes)");
        }
        if (!(u >= 0.0 && u < 1.0)) {
            throw new IllegalArgumentException("sampler: u must be in [0, 1), got " + u);
        }
        boolean greedy = params.isGreedy();
        int topK = greedy ? 1 : params.topK();
        float topP = greedy ? 1.0f : params.topP();
        boolean minPOn = !greedy && params.minP() > 0.0f;
        double lnMinP = minPOn ? Math.log(params.minP()) : 0.0;
        float lnHi = (float) lnMinP;
        float lnLo = (float) (lnMinP - lnHi);
        float temperature = greedy ? 1.0f : params.temperature();
        device.launch(kernel, 1, 1, THREADS, logits, n, topK, topP, minPOn ? 1 : 0, lnHi, lnLo, temperature,
                (float) u, out);
        device.download(out, 0, hostOut);
        int token = hostOut.get(ValueLayout.JAVA_INT, 0);
        lastCount = hostOut.get(ValueLayout.JAVA_INT, Integer.BYTES);
        lastUsedHost = false;
        if (token == OVERFLOW) {
            lastUsedHost = true;
            token = sampleOnHost(logits, n, topK, topP, minPOn, lnMinP, temperature, u);
        }
        if (token == NO_TOKEN) {
            throw new IgnisException("sampler: every logit is -Infinity, no token can be sampled");
        }
        if (token < 0 || token >= n) {
            throw new DeviceException("sample_token on " + device.name() + " returned token " + token
                    + " of a vocabulary of " + n);
        }
        return token;
    }

    /** How many tokens survived the filters in the last {@link #sample}. */
    public int lastCandidateCount() {
        return lastCount;
    }

    /** Whether the last {@link #sample} fell back to the host (see the class comment). */
    public boolean lastUsedHost() {
        return lastUsedHost;
    }

    /** Writes -1 into the kernel's output, so that a test catches a launch that writes nothing. */
    void poisonOutput() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment poison = a.allocate(2L * Integer.BYTES, 16);
            poison.set(ValueLayout.JAVA_INT, 0, -1);
            poison.set(ValueLayout.JAVA_INT, Integer.BYTES, -1);
            device.upload(poison, out, 0);
        }
    }

    @Override
    public void close() {
        out.close();
        arena.close();
    }

    private int sampleOnHost(DeviceBuffer logits, int n, int topK, float topP, boolean minPOn, double lnMinP,
                             float temperature, double u) {
        if (hostLogits.length < n) {
            hostLogits = new float[n];
            order = new long[n];
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment staging = a.allocate((long) n * Float.BYTES, 16);
            device.download(logits, 0, staging.asSlice(0, (long) n * Float.BYTES));
            MemorySegment.copy(staging, ValueLayout.JAVA_FLOAT, 0, hostLogits, 0, n);
        }
        int[] count = new int[1];
        int token = select(hostLogits, n, topK, topP, minPOn, lnMinP, temperature, u, order, count);
        lastCount = count[0];
        return token;
    }

    /**
     * The kernel's selection in double on the host (its fallback): the same filters as the host sampler, then
     * the walk in id order. {@code order} holds at least n longs; count[0] receives the survivors' count.
     */
    static int select(float[] x, int n, int topK, float topP, boolean minPOn, double lnMinP, float temperature,
                      double u, long[] order, int[] count) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[i]);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            count[0] = 0;
            return NO_TOKEN;
        }
        for (int i = 0; i < n; i++) {
            // ascending order of (rank key descending, id ascending); -0 ties with +0
            long key = x[i] == 0.0f ? 0x80000000L : rankKey(x[i]);
            order[i] = ((~key & 0xffffffffL) << 31) | i; // stays positive: ids have 31 bits
        }
        Arrays.sort(order, 0, n);
        int survivors = topK > 0 && topK < n ? topK : n;
        if (topP < 1.0f) {
            double total = 0.0;
            for (int j = 0; j < survivors; j++) {
                total += Math.exp(x[id(order[j])] - (double) max);
            }
            double needed = topP * total;
            double above = 0.0;
            for (int j = 0; j < survivors; j++) {
                above += Math.exp(x[id(order[j])] - (double) max);
                if (above >= needed) {
                    survivors = j + 1;
                    break;
                }
            }
        }
        if (minPOn) {
            int kept = 0;
            while (kept < survivors && x[id(order[kept])] - (double) max >= lnMinP) {
                kept++;
            }
            survivors = kept;
        }
        count[0] = survivors;
        int[] ids = new int[survivors];
        for (int j = 0; j < survivors; j++) {
            ids[j] = id(order[j]);
        }
        Arrays.sort(ids);
        if (survivors == 1) {
            return ids[0];
        }
        float yMax = max / temperature;
        double total = 0.0;
        for (int id : ids) {
            total += Math.exp((double) (x[id] / temperature) - yMax);
        }
        double cumulative = 0.0;
        int lastLikely = ids[0];
        for (int id : ids) {
            double p = Math.exp((double) (x[id] / temperature) - yMax) / total;
            if (p > 0.0) {
                lastLikely = id;
                cumulative += p;
                if (cumulative > u) {
                    return id;
                }
            }
        }
        return lastLikely;
    }

    private static int id(long entry) {
        return (int) (entry & 0x7fffffffL);
    }

    /** Unsigned key ordered as the floats (as the kernel's sample_key). */
    private static long rankKey(float value) {
        int bits = Float.floatToRawIntBits(value);
        int key = bits < 0 ? ~bits : bits | 0x80000000;
        return key & 0xffffffffL;
    }
}
