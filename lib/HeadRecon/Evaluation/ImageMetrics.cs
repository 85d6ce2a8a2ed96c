namespace HeadRecon.Evaluation;

/// <summary>
/// Image quality metrics on float images with values in [0, 1], stored row-major H×W×C (channel fastest).
/// Masks are H×W booleans; only pixels where the mask is true count.
/// </summary>
public static class ImageMetrics
{
    /// <summary>Mean squared error over all channels of the (masked) pixels.</summary>
    public static double Mse(float[] a, float[] b, int height, int width, int channels = 3, bool[]? mask = null)
    {
        Validate(a, b, height, width, channels, mask);
        double sum = 0;
        long count = 0;
        for (int p = 0; p < height * width; p++)
        {
            if (mask is not null && !mask[p]) continue;
            for (int c = 0; c < channels; c++)
            {
                double d = a[p * channels + c] - b[p * channels + c];
                sum += d * d;
            }
            count += channels;
        }
        if (count == 0) throw new ArgumentException("mask selects no pixels", nameof(mask));
        return sum / count;
    }

    /// <summary>Peak signal-to-noise ratio in dB for a data range of 1: 10 log10(1 / MSE). Identical images give +∞.</summary>
    public static double Psnr(float[] a, float[] b, int height, int width, int channels = 3, bool[]? mask = null)
    {
        double mse = Mse(a, b, height, width, channels, mask);
        return mse == 0 ? double.PositiveInfinity : -10.0 * Math.Log10(mse);
    }

    const int Window = 11;
    const double Sigma = 1.5, K1 = 0.01, K2 = 0.03;

    /// <summary>
    /// Structural similarity (Wang et al. 2004): 11×11 Gaussian window with σ = 1.5, K1 = 0.01, K2 = 0.03, data range 1,
    /// computed on each colour channel separately and averaged over channels (not on luminance). Only windows that lie
    /// fully inside the image are used ("valid" filtering, as in the reference MATLAB code and the mip-NeRF/NeuS
    /// evaluation scripts). With a mask, the SSIM map is averaged over windows whose centre pixel is in the mask.
    /// </summary>
    public static double Ssim(float[] a, float[] b, int height, int width, int channels = 3, bool[]? mask = null)
    {
        var map = SsimMap(a, b, height, width, channels);
        int mh = height - Window + 1, mw = width - Window + 1, half = Window / 2;
        double sum = 0;
        long count = 0;
        for (int y = 0; y < mh; y++)
            for (int x = 0; x < mw; x++)
            {
                if (mask is not null && !mask[(y + half) * width + x + half]) continue;
                sum += map[y * mw + x];
                count++;
            }
        if (count == 0) throw new ArgumentException("mask selects no SSIM window centres", nameof(mask));
        return sum / count;
    }

    /// <summary>
    /// Channel-averaged SSIM map over the valid window positions: (H - 10) × (W - 10), row-major; entry (y, x) is the
    /// window centred on pixel (y + 5, x + 5).
    /// </summary>
    public static float[] SsimMap(float[] a, float[] b, int height, int width, int channels = 3)
    {
        Validate(a, b, height, width, channels, null);
        if (height < Window || width < Window) throw new ArgumentException($"SSIM needs images of at least {Window}×{Window}, got {height}×{width}");
        var kernel = GaussianKernel();
        int mh = height - Window + 1, mw = width - Window + 1;
        var map = new double[mh * mw];
        double c1 = K1 * K1, c2 = K2 * K2;
        var lockObj = new object();
        Parallel.For(0, channels, c =>
        {
            var ca = new double[height * width];
            var cb = new double[height * width];
            for (int p = 0; p < ca.Length; p++) { ca[p] = a[p * channels + c]; cb[p] = b[p * channels + c]; }
            var muA = Filter(ca, height, width, kernel);
            var muB = Filter(cb, height, width, kernel);
            var aa = new double[ca.Length]; var bb = new double[ca.Length]; var ab = new double[ca.Length];
            for (int p = 0; p < ca.Length; p++) { aa[p] = ca[p] * ca[p]; bb[p] = cb[p] * cb[p]; ab[p] = ca[p] * cb[p]; }
            var eAA = Filter(aa, height, width, kernel);
            var eBB = Filter(bb, height, width, kernel);
            var eAB = Filter(ab, height, width, kernel);
            var local = new double[mh * mw];
            for (int i = 0; i < local.Length; i++)
            {
                double ma = muA[i], mb = muB[i];
                double va = eAA[i] - ma * ma, vb = eBB[i] - mb * mb, cov = eAB[i] - ma * mb;
                local[i] = (2 * ma * mb + c1) * (2 * cov + c2) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            }
            lock (lockObj) for (int i = 0; i < local.Length; i++) map[i] += local[i];
        });
        var result = new float[map.Length];
        for (int i = 0; i < map.Length; i++) result[i] = (float)(map[i] / channels);
        return result;
    }

    static double[] GaussianKernel()
    {
        var k = new double[Window];
        double sum = 0;
        for (int i = 0; i < Window; i++)
        {
            double x = i - Window / 2;
            k[i] = Math.Exp(-x * x / (2 * Sigma * Sigma));
            sum += k[i];
        }
        for (int i = 0; i < Window; i++) k[i] /= sum;
        return k;
    }

    /// <summary>Separable "valid" Gaussian filtering: output (H - 10) × (W - 10).</summary>
    static double[] Filter(double[] img, int height, int width, double[] k)
    {
        int mw = width - Window + 1, mh = height - Window + 1;
        var rows = new double[height * mw];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < mw; x++)
            {
                double s = 0;
                int o = y * width + x;
                for (int t = 0; t < Window; t++) s += k[t] * img[o + t];
                rows[y * mw + x] = s;
            }
        var outp = new double[mh * mw];
        for (int y = 0; y < mh; y++)
            for (int x = 0; x < mw; x++)
            {
                double s = 0;
                for (int t = 0; t < Window; t++) s += k[t] * rows[(y + t) * mw + x];
                outp[y * mw + x] = s;
            }
        return outp;
    }

    static void Validate(float[] a, float[] b, int height, int width, int channels, bool[]? mask)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (height <= 0 || width <= 0 || channels <= 0) throw new ArgumentException($"bad image shape {height}×{width}×{channels}");
        long n = (long)height * width * channels;
        if (a.Length != n || b.Length != n) throw new ArgumentException($"images have {a.Length} and {b.Length} values, shape {height}×{width}×{channels} needs {n}");
        if (mask is not null && mask.Length != height * width) throw new ArgumentException($"mask has {mask.Length} entries, image has {height * width} pixels", nameof(mask));
    }
}
