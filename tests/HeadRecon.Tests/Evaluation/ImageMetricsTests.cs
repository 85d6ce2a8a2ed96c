using HeadRecon.Evaluation;
using Xunit;

namespace HeadRecon.Tests.Evaluation;

public class ImageMetricsTests
{
    const int H = 48, W = 64;

    static float[] Pattern()
    {
        var img = new float[H * W * 3];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int c = 0; c < 3; c++)
                    img[(y * W + x) * 3 + c] = (float)(0.5 + 0.4 * Math.Sin(0.3 * x + c) * Math.Cos(0.2 * y));
        return img;
    }

    [Fact]
    public void UniformErrorOfPointOneIsTwentyDecibels()
    {
        var a = Pattern();
        var b = a.Select(v => v + 0.1f).ToArray();
        Assert.Equal(20.0, ImageMetrics.Psnr(a, b, H, W), 4);
        Assert.Equal(double.PositiveInfinity, ImageMetrics.Psnr(a, a, H, W));
    }

    [Fact]
    public void PsnrMaskIgnoresPixelsOutsideIt()
    {
        var a = Pattern();
        var b = (float[])a.Clone();
        var mask = new bool[H * W];
        for (int p = 0; p < H * W; p++)
        {
            mask[p] = p % 2 == 0;
            float err = mask[p] ? 0.01f : 0.5f;
            for (int c = 0; c < 3; c++) b[p * 3 + c] += err;
        }
        Assert.Equal(40.0, ImageMetrics.Psnr(a, b, H, W, mask: mask), 3);
    }

    [Fact]
    public void SsimIsOneForIdenticalImagesAndLowerWithNoise()
    {
        var a = Pattern();
        Assert.Equal(1.0, ImageMetrics.Ssim(a, a, H, W), 9);
        var rng = new Random(1);
        var small = a.Select(v => v + (float)(rng.NextDouble() - 0.5) * 0.05f).ToArray();
        var large = a.Select(v => v + (float)(rng.NextDouble() - 0.5) * 0.5f).ToArray();
        double sSmall = ImageMetrics.Ssim(a, small, H, W), sLarge = ImageMetrics.Ssim(a, large, H, W);
        Assert.True(sSmall < 1 && sLarge < sSmall, $"{sSmall} {sLarge}");
        Assert.True(sLarge < 0.5);
        Assert.Equal((H - 10) * (W - 10), ImageMetrics.SsimMap(a, small, H, W).Length);
    }

    [Fact]
    public void SsimOfAConstantShiftFollowsTheLuminanceTerm()
    {
        // Constant images differing by a shift: only the luminance term (2 μa μb + C1) / (μa² + μb² + C1) remains.
        var a = Enumerable.Repeat(0.3f, H * W * 3).ToArray();
        var b = Enumerable.Repeat(0.5f, H * W * 3).ToArray();
        double c1 = 0.01 * 0.01;
        double expected = (2 * 0.3 * 0.5 + c1) / (0.09 + 0.25 + c1);
        Assert.Equal(expected, ImageMetrics.Ssim(a, b, H, W), 5);
    }

    [Fact]
    public void RejectsMismatchedShapes()
    {
        Assert.Throws<ArgumentException>(() => ImageMetrics.Psnr(new float[12], new float[12], 2, 2, 2));
        Assert.Throws<ArgumentException>(() => ImageMetrics.Ssim(new float[75], new float[75], 5, 5, 3));
    }
}
