using HeadRecon.Config;
using HeadRecon.Data;
using HeadRecon.Models;
using static TorchSharp.torch;

namespace HeadRecon.Training;

/// <summary>Feeds a loaded <see cref="HeadDataset"/> to training as tensors (rays in the OpenCV convention).</summary>
public sealed class DatasetTrainingData(HeadDataset dataset, bool maskBoundingBoxSampling = false) : ITrainingData
{
    public HeadDataset Dataset { get; } = dataset;
    public int ViewCount => Dataset.Views.Count;
    public int NumIdentities => Dataset.NumIdentities;
    public int Height(int view) => Dataset.Views[view].Height;
    public int Width(int view) => Dataset.Views[view].Width;
    public string ViewLabel(int view) => $"{Dataset.Views[view].IdentityName}/{Dataset.Views[view].ViewName}";

    /// <summary>Loads the dataset the configuration names (dataset.format: pr, idr or facescape).</summary>
    public static DatasetTrainingData Open(HeadConf conf)
    {
        var d = conf.Dataset;
        var ds = DatasetLoader.Load(d, conf.Train.Seed);
        return new DatasetTrainingData(ds, maskBoundingBoxSampling: d.Format.Equals("facescape", StringComparison.OrdinalIgnoreCase));
    }

    public (RayBatch Batch, Tensor Rgb) SamplePixels(int view, int n, Random rng, Device device)
    {
        var v = Dataset.Views[view];
        var px = Dataset.SamplePixels(rng, view, n, maskBoundingBoxSampling);
        var uv = tensor(px.Uv, [1, px.Count, 2], device: device);
        var rgb = tensor(px.Rgb, [1, px.Count, 3], device: device);
        return (Batch(v, uv, 1.0, device), rgb);
    }

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

    /// <summary>The view's camera as 4×4 tensors; intrinsics scaled by s for a downscaled image (pixel (c, r) ↔ full (c/s, r/s)).</summary>
    static RayBatch Batch(HeadView v, Tensor uv, double s, Device device)
    {
        var k = new float[16];
        k[0] = (float)(v.Intrinsics[0] * s); k[1] = (float)(v.Intrinsics[1] * s); k[2] = (float)(v.Intrinsics[2] * s);
        k[5] = (float)(v.Intrinsics[4] * s); k[6] = (float)(v.Intrinsics[5] * s);
        k[10] = 1; k[15] = 1;
        var pose = v.CameraToWorld.Select(x => (float)x).ToArray();
        return new RayBatch(uv, tensor(pose, [1, 4, 4], device: device), tensor(k, [1, 4, 4], device: device), tensor(new long[] { v.IdentityIndex }, device: device))
        {
            IdentityIndex = v.IdentityIndex,
        };
    }
}
