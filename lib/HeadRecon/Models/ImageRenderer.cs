using static TorchSharp.torch;

namespace HeadRecon.Models;

/// <summary>A rendered image: rgb and normal map H×W×3 row-major, opacity and expected depth H×W.</summary>
public sealed record RenderedImage(int Height, int Width, float[] Rgb, float[] Normals, float[] Opacity, float[] Depth);

/// <summary>
/// Renders every pixel of a view in eval mode (deterministic sampler), split_n_pixels rays at a time, so memory is
/// bounded by the chunk size whatever the image size. With an occupancy grid, rays that pass no occupied cell are
/// not rendered: they get the background colour, zero normal, opacity and depth (<see cref="HeadModel.OccupiedRays"/>
/// says why that is what rendering them gives); the allRays overload renders them anyway.
/// </summary>
public static class ImageRenderer
{
    public static RenderedImage Render(HeadModel model, RayBatch allPixels, int height, int width, int chunk = 1024) =>
        Render(model, allPixels, height, width, out _, chunk);

    /// <param name="rendered">the number of rays that went through the sampler and the networks.</param>
    public static RenderedImage Render(HeadModel model, RayBatch allPixels, int height, int width, out long rendered, int chunk = 1024, bool allRays = false)
    {
        long n = allPixels.RayCount;
        if (n != (long)height * width) throw new ArgumentException($"expected {height}×{width} = {height * width} pixels, got {n}");
        var rgb = new float[n * 3];
        var normals = new float[n * 3];
        var opacity = new float[n];
        var depth = new float[n];
        bool wasTraining = model.training;
        model.eval();
        rendered = 0;
        try
        {
            // The rays to render, in pixel order: all of them, or those through occupied cells.
            long[] order;
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                var occupied = allRays ? null : model.OccupiedRays(allPixels);
                order = occupied is null ? [] : nonzero(occupied).reshape(-1).cpu().data<long>().ToArray();
                if (occupied is null) order = [.. Enumerable.Range(0, (int)n).Select(i => (long)i)];
            }
            var bg = model.Background.to(float32).cpu().data<float>().ToArray();
            for (long p = 0; p < n; p++)
                for (int ch = 0; ch < 3; ch++) rgb[p * 3 + ch] = bg[ch % bg.Length];
            var device = allPixels.Uv.device;
            for (long start = 0; start < order.Length; start += chunk)
            {
                using var scope = NewDisposeScope();
                long len = Math.Min(chunk, order.Length - start);
                var pixels = order.AsSpan((int)start, (int)len).ToArray();
                var sub = allPixels with { Uv = allPixels.Uv.index_select(1, tensor(pixels, device: device)) };
                rendered += len;
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
                    long p = pixels[i], row = i * 8;
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
