using static TorchSharp.torch;

namespace HeadRecon.Models;

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
                var w = o.Weights.detach();
                var acc = w.sum(-1, keepdim: true);
                var z = (w * o.ZVals).sum(-1, keepdim: true) / acc.clamp_min(1e-6f);
                // One copy to the host per chunk: rgb | normals | opacity | depth, (len, 8).
                float[] host = cat([o.RgbValues.detach(), o.NormalMap!.detach(), acc, z], 1).to(float32).cpu().contiguous().data<float>().ToArray();
                for (long i = 0; i < len; i++)
                {
                    long p = start + i, row = i * 8;
                    for (int ch = 0; ch < 3; ch++)
                    {
                        rgb[p * 3 + ch] = host[row + ch];
                        normals[p * 3 + ch] = host[row + 3 + ch];
                    }
                    opacity[p] = host[row + 6];
                    depth[p] = host[row + 7];
                }
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        return new RenderedImage(height, width, rgb, normals, opacity, depth);
    }
}
