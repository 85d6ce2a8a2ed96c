using HeadRecon.Evaluation;
using HeadRecon.Meshing;
using HeadRecon.Notebooks;
using HeadRecon.Training;
using HeadRecon.Visualization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace HeadRecon.Reporting;

/// <summary>One held-out view scored for both stages.</summary>
public sealed record HeldOutComparison(string View, ViewScore Stage1, ViewScore Stage2);

/// <summary>The quickstart report's pictures: renders and normal maps of held-out views, meshes from three sides, error
/// maps on the surface, loss curves and a turntable.</summary>
public static class QuickstartFigures
{
    /// <summary>Held-out views of the person, one row each: ground truth | stage 1 | stage 2 | stage-1 normals | stage-2 normals.</summary>
    public static IReadOnlyList<HeldOutComparison> HeldOutViews(TrainedRun stage1, TrainedRun stage2, string identity, int maxViews, int side, string png)
    {
        var a = RunEvaluator.RenderHeldOutViews(stage1, stage1.IdentityIndex(identity), maxViews, side);
        var b = RunEvaluator.RenderHeldOutViews(stage2, stage2.IdentityIndex(identity), maxViews, side);
        var rows = new List<Image<Rgb24>>();
        var result = new List<HeldOutComparison>();
        foreach (var (r1, r2) in a.Zip(b))
        {
            int h = r2.Image.Height, w = r2.Image.Width;
            rows.Add(Images.Strip(Images.FromRgb(r2.GroundTruth, h, w), Images.FromRgb(r1.Image.Rgb, h, w), Images.FromRgb(r2.Image.Rgb, h, w),
                Images.FromNormals(r1.Image.Normals, h, w), Images.FromNormals(r2.Image.Normals, h, w)));
            result.Add(new HeldOutComparison(r2.Score.View, r1.Score, r2.Score));
        }
        if (rows.Count > 0)
        {
            using var grid = Stack(rows);
            Images.SavePng(grid, png);
        }
        foreach (var r in rows) r.Dispose();
        return result;
    }

    /// <summary>Meshes from the front, at 45° and in profile, one row each (grey Lambert, or vertex colours).</summary>
    public static void Meshes(IReadOnlyList<(string Label, Mesh Mesh)> meshes, string png, int size = 192, bool useColors = false)
    {
        var rows = meshes.Select(m => ThreeSides(m.Mesh, size, useColors)).ToList();
        using var grid = Stack(rows);
        Images.SavePng(grid, png);
        foreach (var r in rows) r.Dispose();
    }

    /// <summary>The reconstruction coloured by its distance to the ground truth (blue 0 → red at the 95th percentile, so
    /// the colour shows where the error is rather than where its one worst vertex is), from three sides.</summary>
    public static double ErrorMap(Mesh reconstruction, Mesh groundTruth, string png, int size = 192)
    {
        var r = ErrorColoring.Apply(reconstruction, groundTruth);
        using var row = ThreeSides(r.Colored, size, useColors: true);
        Images.SavePng(row, png);
        return r.MaxDistance;
    }

    public static void LossCurves(string metricsFile, string png)
    {
        var m = MetricsLog.Read(metricsFile);
        var series = new List<(string, IReadOnlyList<(int, double)>)>();
        foreach (var key in new[] { "loss", "rgb_loss", "eikonal_loss" })
            if (m.TryGetValue(key, out var s)) series.Add((key, s));
        using var img = LineChart.Draw(series, logY: true);
        Images.SavePng(img, png);
    }

    /// <summary>The mesh turning once around the vertical axis, in its vertex colours. Rasterised, not volume rendered:
    /// a full orbit of volume renders at report size would cost more than the training.</summary>
    public static void Turntable(Mesh mesh, int frames, string gif, int side)
    {
        var rgba = NotebookTurntable.Frames(mesh, frames, side, useColors: true);
        var rgb = rgba.Select(f => f.CloneAs<Rgb24>()).ToList();
        Orbit.SaveGif(rgb, gif);
        foreach (var f in rgba) f.Dispose();
        foreach (var f in rgb) f.Dispose();
    }

    static Image<Rgb24> ThreeSides(Mesh mesh, int size, bool useColors)
    {
        var frames = NotebookTurntable.Frames(mesh, 24, size, useColors);
        var row = new Image<Rgb24>(3 * size, size, new Rgb24(255, 255, 255));
        int k = 0;
        foreach (int f in new[] { 0, 3, 6 })
        {
            using var rgb = frames[f].CloneAs<Rgb24>();
            int x = k++ * size;
            row.Mutate(c => c.DrawImage(rgb, new Point(x, 0), 1f));
        }
        foreach (var f in frames) f.Dispose();
        return row;
    }

    static Image<Rgb24> Stack(IReadOnlyList<Image<Rgb24>> rows)
    {
        int w = rows.Max(r => r.Width), h = rows.Sum(r => r.Height);
        var grid = new Image<Rgb24>(w, h, new Rgb24(255, 255, 255));
        int y = 0;
        foreach (var r in rows)
        {
            int yy = y;
            grid.Mutate(c => c.DrawImage(r, new Point(0, yy), 1f));
            y += r.Height;
        }
        return grid;
    }
}
