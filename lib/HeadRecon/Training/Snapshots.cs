using HeadRecon.Models;
using HeadRecon.Visualization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace HeadRecon.Training;

/// <summary>Training snapshots: rendering | ground truth | normal map | SDF slice (x = 0, the profile) in one PNG.</summary>
public static class Snapshots
{
    public static Image<Rgb24> Compose(HeadModel model, ITrainingData data, int view, int maxSide, double sliceExtent, int chunk = 1024)
    {
        var px = data.AllPixels(view, model.Background.device, maxSide);
        var r = ImageRenderer.Render(model, px.Batch, px.Height, px.Width, chunk);
        var slice = SdfSlice.Evaluate(model, px.IdentityIndex, SlicePlane.YZ, Math.Max(px.Height, 64), -sliceExtent, sliceExtent);
        return Images.Strip(
            Images.FromRgb(r.Rgb, r.Height, r.Width),
            Images.FromRgb(px.RgbArray(), px.Height, px.Width),
            Images.FromNormals(r.Normals, r.Height, r.Width),
            Images.FromSignedField(slice.Values, slice.Resolution, slice.Resolution, (float)(sliceExtent / 4)));
    }

    /// <summary>Writes snapshots/it_NNNNNNN.png for the trainer's current state (the first training view), plus
    /// it_NNNNNNN_vK.png for each further view plot.plot_nimgs asks for (spread over the training views); returns the paths.</summary>
    public static IReadOnlyList<string> Write(Trainer trainer, ITrainingData data, int maxSide = 64)
    {
        double extent = Math.Abs(trainer.Conf.Plot.GridBoundary.Count == 2 ? trainer.Conf.Plot.GridBoundary[1] : 1.0) * 1.5;
        int n = Math.Min(trainer.Conf.Plot.PlotNImgs, data.ViewCount);
        var paths = new List<string>();
        for (int k = 0; k < n; k++)
        {
            int view = k * data.ViewCount / n;
            using var img = Compose(trainer.Model, data, view, maxSide, extent, trainer.Conf.Train.SplitNPixels);
            string path = Path.Combine(trainer.Run.SnapshotDir, k == 0 ? $"it_{trainer.Iteration:D7}.png" : $"it_{trainer.Iteration:D7}_v{view}.png");
            Images.SavePng(img, path);
            paths.Add(path);
        }
        return paths;
    }
}
