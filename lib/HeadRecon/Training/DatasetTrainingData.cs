using HeadRecon.Config;
using HeadRecon.Data;
using HeadRecon.Models;
using static TorchSharp.torch;

namespace HeadRecon.Training;

/// <summary>
/// Feeds a loaded <see cref="HeadDataset"/> to training as tensors (rays in the OpenCV convention); detailFraction is
/// train.detail_pixel_fraction (<see cref="HeadDataset.SamplePixels"/>).
/// </summary>
public sealed class DatasetTrainingData(HeadDataset dataset, bool maskBoundingBoxSampling = false, double detailFraction = 0) : ITrainingData
{
    public HeadDataset Dataset { get; } = dataset;
    public int ViewCount => Dataset.Views.Count;
    public int NumIdentities => Dataset.NumIdentities;
    public int Height(int view) => Dataset.Views[view].Height;
    public int Width(int view) => Dataset.Views[view].Width;
    public string ViewLabel(int view) => $"{Dataset.Views[view].IdentityName}/{Dataset.Views[view].ViewName}";

    /// <summary>Loads the dataset the configuration names (dataset.format: pr, idr or facescape), sampled as train says.</summary>
    public static DatasetTrainingData Open(HeadConf conf)
    {
        var d = conf.Dataset;
        var ds = DatasetLoader.Load(d, conf.Train.Seed);
        return new DatasetTrainingData(ds, maskBoundingBoxSampling: d.Format.Equals("facescape", StringComparison.OrdinalIgnoreCase), conf.Train.DetailPixelFraction);
    }

    public (RayBatch Batch, Tensor Rgb) SamplePixels(int view, int n, Random rng, Device device)
    {
        var v = Dataset.Views[view];
        var px = Dataset.SamplePixels(rng, view, n, maskBoundingBoxSampling, detailFraction);
        var uv = tensor(px.Uv, [1, px.Count, 2], device: device);
        var rgb = tensor(px.Rgb, [1, px.Count, 3], device: device);
        return (Batch(v, uv, 1.0, device), rgb);
    }

    public int UniformPixelCount(int n) => HeadDataset.UniformPixelCount(n, detailFraction);

    public ViewPixels AllPixels(int view, Device device, int maxSide = 0)
    {
        var v = Dataset.Views[view];
        double s = maxSide > 0 && Math.Max(v.Height, v.Width) > maxSide ? (double)maxSide / Math.Max(v.Height, v.Width) : 1.0;
        int h = Math.Max(1, (int)Math.Round(v.Height * s)), w = Math.Max(1, (int)Math.Round(v.Width * s));
        var uv = new float[h * w * 2];
        var rgb = new float[h * w * 3];
        for (int r = 0; r < h; r++)
            for (int c = 0; c < w; c++)
            {
                int i = r * w + c;
                uv[2 * i] = c;
                uv[2 * i + 1] = r;
                // Ground truth at the same pixel centre in the full image.
                int sr = Math.Min(v.Height - 1, (int)Math.Round(r / s)), sc = Math.Min(v.Width - 1, (int)Math.Round(c / s));
                int j = (sr * v.Width + sc) * 3;
                rgb[3 * i] = v.Rgb[j]; rgb[3 * i + 1] = v.Rgb[j + 1]; rgb[3 * i + 2] = v.Rgb[j + 2];
            }
        return new ViewPixels(Batch(v, tensor(uv, [1, h * w, 2], device: device), s, device), tensor(rgb, [1, h * w, 3], device: device), h, w, v.IdentityIndex);
    }

    static RayBatch Batch(HeadView v, Tensor uv, double s, Device device) => RayBatch.ForCamera(uv, v.Intrinsics, v.CameraToWorld, v.IdentityIndex, device, s);
}
