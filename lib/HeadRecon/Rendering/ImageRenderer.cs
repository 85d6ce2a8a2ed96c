using HeadRecon.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace HeadRecon.Rendering;

/// <summary>A rendered image: rgb and normal map H×W×3 row-major, opacity and expected depth H×W.</summary>
public sealed record RenderedImage(int Height, int Width, float[] Rgb, float[] Normals, float[] Opacity, float[] Depth);

/// <summary>
/// Renders every pixel of a view in eval mode (deterministic sampler), split_n_pixels rays at a time, so memory is
/// bounded by the chunk size whatever the image size.
/// </summary>
public static class ImageRenderer
{
    public static RenderedImage Render(HeadModel model, RayBatch allPixels, int height, int width, int chunk = 1024)
    {
        long n = allPixels.RayCount;
        if (n != (long)height * width) throw new ArgumentException($"expected {height}×{width} = {height * width} pixels, got {n}");
        var rgb = new float[n * 3];
        var normals = new float[n * 3];
        var opacity = new float[n];
        var depth = new float[n];
        bool wasTraining = model.training;
        model.eval();
        try
        {
            for (long start = 0; start < n; start += chunk)
            {
                using var scope = NewDisposeScope();
                long len = Math.Min(chunk, n - start);
                var sub = allPixels with { Uv = allPixels.Uv.narrow(1, start, len) };
                // Only the normals need a graph (first order, inside Render's own enable_grad): the colour network,
                // density and compositing run without recording one.
                RenderOutputs o;
                using (no_grad()) o = model.Render(sub);
                o.RgbValues.detach().cpu().contiguous().data<float>().CopyTo(rgb, (int)start * 3);
                o.NormalMap!.detach().cpu().contiguous().data<float>().CopyTo(normals, (int)start * 3);
                var w = o.Weights.detach();
                w.sum(-1).cpu().contiguous().data<float>().CopyTo(opacity, (int)start);
                ((w * o.ZVals).sum(-1) / w.sum(-1).clamp_min(1e-6f)).cpu().contiguous().data<float>().CopyTo(depth, (int)start);
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        return new RenderedImage(height, width, rgb, normals, opacity, depth);
    }
}
