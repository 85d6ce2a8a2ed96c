using HeadRecon.Data;
using Xunit;

namespace HeadRecon.Tests.Data;

public class DetailSamplingTests
{
    // A white 32×32 image with a black 8×8 square at rows/columns 12–19: contrast only around the square's border.
    static HeadView Square(bool flat = false)
    {
        const int N = 32;
        var rgb = new float[N * N * 3];
        for (int r = 0; r < N; r++)
            for (int c = 0; c < N; c++)
            {
                bool inside = !flat && r is >= 12 and <= 19 && c is >= 12 and <= 19;
                for (int ch = 0; ch < 3; ch++) rgb[(r * N + c) * 3 + ch] = inside ? 0f : 1f;
            }
        return new HeadView("a", 0, "v", N, N, rgb, null, [40, 0, 16, 0, 40, 16, 0, 0, 1], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, -3, 0, 0, 0, 1]);
    }

    static HeadDataset Dataset(HeadView v) => new([v], ["a"], 1.0, null, null, "test");

    [Fact]
    public void Detail_draws_fall_on_the_contrast_and_uniform_ones_stay_as_they_were()
    {
        var ds = Dataset(Square());
        var detail = ds.SamplePixels(new Random(5), 0, 400, detailFraction: 1.0);
        for (int i = 0; i < detail.Count; i++)
        {
            int c = (int)detail.Uv[2 * i], r = (int)detail.Uv[2 * i + 1];
            // Sobel is non-zero only within one pixel of the square's edge (rows/columns 11–20, not the interior 13–18).
            Assert.InRange(r, 11, 20);
            Assert.InRange(c, 11, 20);
            Assert.False(r is >= 13 and <= 18 && c is >= 13 and <= 18, $"({r}, {c}) is inside the flat interior");
        }
        // Half detail: the first half of the batch is exactly the all-uniform batch's first half (same generator order).
        var uniform = ds.SamplePixels(new Random(7), 0, 100);
        var mixed = ds.SamplePixels(new Random(7), 0, 100, detailFraction: 0.5);
        Assert.Equal(uniform.Uv.AsSpan(0, 100).ToArray(), mixed.Uv.AsSpan(0, 100).ToArray());
        Assert.Equal(uniform.Rgb.AsSpan(0, 150).ToArray(), mixed.Rgb.AsSpan(0, 150).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => ds.SamplePixels(new Random(1), 0, 10, detailFraction: -0.1));
        Assert.Equal(50, HeadDataset.UniformPixelCount(100, 0.5));
        Assert.Equal(256, new HeadRecon.Training.DatasetTrainingData(ds).UniformPixelCount(256));
        Assert.Equal(64, new HeadRecon.Training.DatasetTrainingData(ds, detailFraction: 0.75).UniformPixelCount(256));
    }

    [Fact]
    public void A_flat_image_gives_a_uniform_distribution()
    {
        var cdf = DetailSampling.Cdf(Square(flat: true));
        Assert.Equal(32 * 32, cdf.Length);
        Assert.Equal(0.5, cdf[32 * 16 - 1], 12);
        Assert.Equal(1.0, cdf[^1]);
        Assert.Equal(0, CumulativeDistribution.Index(cdf, 0.0));
        Assert.Equal(cdf.Length - 1, CumulativeDistribution.Index(cdf, 0.9999999));
    }
}
