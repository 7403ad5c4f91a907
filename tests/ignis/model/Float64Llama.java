package ignis.model;

/**
 * An independent float64 forward pass of a llama model, written plainly for tests: weights are
 * decoded to doubles, attention is recomputed over the whole prefix, no cache, no quantized
 * activations, no fp16 rounding. Production results are compared to it within tolerances.
 */
public final class Float64Llama {
    private final LlamaConfig c;
    private final double[] embedding;
    private final double[][][] layers; // [layer][q,k,v,o,gate,up,down][...]
    private final double[][] norms;    // [layer*2 + 0|1]
    private final double[] outputNorm;
    private final double[] output;
    private final double[] freqFactors;

    public Float64Llama(LlamaModel model) {
        this.c = model.config();
        LlamaWeights w = model.weights();
        embedding = toDouble(w.tokenEmbedding().toFloatArray());
        layers = new double[c.layers()][][];
        norms = new double[c.layers() * 2][];
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights lw = w.layers()[l];
            layers[l] = new double[][] {
                toDouble(lw.wq().toFloatArray()), toDouble(lw.wk().toFloatArray()), toDouble(lw.wv().toFloatArray()),
                toDouble(lw.wo().toFloatArray()), toDouble(lw.wGate().toFloatArray()), toDouble(lw.wUp().toFloatArray()),
                toDouble(lw.wDown().toFloatArray())};
            norms[2 * l] = toDouble(lw.attentionNorm());
            norms[2 * l + 1] = toDouble(lw.ffnNorm());
        }
        outputNorm = toDouble(w.outputNorm());
        output = toDouble(w.output().toFloatArray());
        freqFactors = w.ropeFreqFactors() == null ? null : toDouble(w.ropeFreqFactors());
    }

    /** Logits ({@code [tokens.length][vocab]}) of every position of the sequence. */
    public double[][] logits(int[] tokens) {
        int n = tokens.length;
        int dim = c.dim();
        double[][] x = new double[n][];
        for (int t = 0; t < n; t++) {
            x[t] = java.util.Arrays.copyOfRange(embedding, tokens[t] * dim, (tokens[t] + 1) * dim);
        }
        for (int l = 0; l < c.layers(); l++) {
            double[][] m = layers[l];
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] h = rmsNorm(x[t], norms[2 * l]);
                q[t] = rope(matVec(m[0], h, c.queryDim()), t, c.heads());
                k[t] = rope(matVec(m[1], h, c.kvDim()), t, c.kvHeads());
                v[t] = matVec(m[2], h, c.kvDim());
            }
            for (int t = 0; t < n; t++) {
                double[] attended = attend(c, q[t], k, v, t);
                add(x[t], matVec(m[3], attended, dim));
                double[] h = rmsNorm(x[t], norms[2 * l + 1]);
                double[] gate = matVec(m[4], h, c.ffn());
                double[] up = matVec(m[5], h, c.ffn());
                for (int i = 0; i < gate.length; i++) {
                    gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
                }
                add(x[t], matVec(m[6], gate, dim));
            }
        }
        double[][] logits = new double[n][];
        for (int t = 0; t < n; t++) {
            logits[t] = matVec(output, rmsNorm(x[t], outputNorm), c.vocabSize());
        }
        return logits;
    }

    /** Softmax attention of every head of {@code q} over positions {@code 0..position} of {@code k} and {@code v}. */
    public static double[] attend(LlamaConfig c, double[] q, double[][] k, double[][] v, int position) {
        int hd = c.headDim();
        double[] out = new double[c.queryDim()];
        for (int h = 0; h < c.heads(); h++) {
            int kvBase = (h / c.groupSize()) * hd;
            double[] scores = new double[position + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int p = 0; p <= position; p++) {
                double s = 0;
                for (int i = 0; i < hd; i++) {
                    s += q[h * hd + i] * k[p][kvBase + i];
                }
                scores[p] = s / Math.sqrt(hd);
                max = Math.max(max, scores[p]);
            }
            double sum = 0;
            for (int p = 0; p <= position; p++) {
                scores[p] = Math.exp(scores[p] - max);
                sum += scores[p];
            }
            for (int p = 0; p <= position; p++) {
                for (int i = 0; i < hd; i++) {
                    out[h * hd + i] += scores[p] / sum * v[p][kvBase + i];
                }
            }
        }
        return out;
    }

    /** Rotates adjacent pairs of each head by pos * base^(-2i/d) (divided by the Llama 3 factors). */
    private double[] rope(double[] x, int pos, int heads) {
        int hd = c.headDim();
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < hd / 2; i++) {
                double theta = pos * Math.pow(c.ropeBase(), -2.0 * i / hd);
                if (freqFactors != null) {
                    theta /= freqFactors[i];
                }
                double x0 = x[h * hd + 2 * i];
                double x1 = x[h * hd + 2 * i + 1];
                x[h * hd + 2 * i] = x0 * Math.cos(theta) - x1 * Math.sin(theta);
                x[h * hd + 2 * i + 1] = x0 * Math.sin(theta) + x1 * Math.cos(theta);
            }
        }
        return x;
    }

    private double[] rmsNorm(double[] x, double[] weight) {
        double ss = 0;
        for (double e : x) {
            ss += e * e;
        }
        double scale = 1 / Math.sqrt(ss / x.length + c.rmsEps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * weight[i];
        }
        return out;
    }

    /** {@code W x} for W stored as {@code rows} rows of {@code x.length} (ggml order). */
    private static double[] matVec(double[] w, double[] x, int rows) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int i = 0; i < x.length; i++) {
                s += w[r * x.length + i] * x[i];
            }
            out[r] = s;
        }
        return out;
    }

    private static void add(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
