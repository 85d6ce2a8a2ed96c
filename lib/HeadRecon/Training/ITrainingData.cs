using HeadRecon.Models;
using static TorchSharp.torch;

namespace HeadRecon.Training;

/// <summary>What training needs from a dataset: images to draw pixel batches from and to render for snapshots.</summary>
public interface ITrainingData
{
    int ViewCount { get; }
    int NumIdentities { get; }
    int Height(int view);
    int Width(int view);
    string ViewLabel(int view);

    /// <summary>n random pixels of one view: the rays to render and their ground-truth colours (1, n, 3).</summary>
    (RayBatch Batch, Tensor Rgb) SamplePixels(int view, int n, Random rng, Device device);

    /// <summary>How many of a batch of n come first and uniformly drawn (the rest favour image detail,
    /// train.detail_pixel_fraction): the logged PSNR is taken over these, so it still estimates the image's PSNR.</summary>
    int UniformPixelCount(int n) => n;

    /// <summary>Every pixel of one view, row-major, for rendering and PSNR; with maxSide &gt; 0 the camera is scaled down
    /// so the longer side has at most maxSide pixels (ground truth sampled at the same pixel centres).</summary>
    ViewPixels AllPixels(int view, Device device, int maxSide = 0);
}

/// <summary>All pixels of a (possibly downscaled) view: rays, ground-truth colours (1, H·W, 3) and the size.</summary>
public sealed record ViewPixels(RayBatch Batch, Tensor Rgb, int Height, int Width, int IdentityIndex)
{
    public float[] RgbArray() => Rgb.detach().cpu().contiguous().data<float>().ToArray();
}
