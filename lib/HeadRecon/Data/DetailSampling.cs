namespace HeadRecon.Data;

/// <summary>
/// Pixel importance from the photo alone: where the image changes (eyes, brows, lips, nostrils, the silhouette), as the
/// summed RGB Sobel magnitude. Drawing part of each batch from it spends more rays on the few pixels that carry a face's
/// detail; a head covers a fraction of each view and its features a fraction of that, so uniform draws spend most rays on
/// skin and background. No mask or 3D is used, so the method still trains from images alone.
/// </summary>
public static class DetailSampling
{
    /// <summary>Cumulative distribution over the view's pixels (row-major, last entry 1), proportional to the Sobel magnitude;
    /// <see cref="CumulativeDistribution.Index"/> draws from it.</summary>
    public static double[] Cdf(HeadView v)
    {
        int h = v.Height, w = v.Width;
        var cdf = new double[h * w];
        double total = 0;
        for (int r = 0; r < h; r++)
            for (int c = 0; c < w; c++)
            {
                double g = 0;
                for (int ch = 0; ch < 3; ch++)
                {
                    double gx = At(v, r - 1, c + 1, ch) + 2 * At(v, r, c + 1, ch) + At(v, r + 1, c + 1, ch)
                              - At(v, r - 1, c - 1, ch) - 2 * At(v, r, c - 1, ch) - At(v, r + 1, c - 1, ch);
                    double gy = At(v, r + 1, c - 1, ch) + 2 * At(v, r + 1, c, ch) + At(v, r + 1, c + 1, ch)
                              - At(v, r - 1, c - 1, ch) - 2 * At(v, r - 1, c, ch) - At(v, r - 1, c + 1, ch);
                    g += Math.Sqrt(gx * gx + gy * gy);
                }
                total += g;
                cdf[r * w + c] = total;
            }
        if (total <= 0)
        {
            // A flat image has no detail to prefer: uniform.
            for (int i = 0; i < cdf.Length; i++) cdf[i] = (i + 1.0) / cdf.Length;
            return cdf;
        }
        for (int i = 0; i < cdf.Length; i++) cdf[i] /= total;
        cdf[^1] = 1.0;
        return cdf;
    }

    // Edge pixels repeat the border (no artificial edge at the frame).
    static double At(HeadView v, int r, int c, int ch)
    {
        r = Math.Clamp(r, 0, v.Height - 1);
        c = Math.Clamp(c, 0, v.Width - 1);
        return v.Rgb[(r * v.Width + c) * 3 + ch];
    }
}
