using HeadRecon.Meshing;
using HeadRecon.Models;
using HeadRecon.Training;

namespace HeadRecon.Evaluation;

/// <summary>PSNR/SSIM of one held-out view rendered by a trained model.</summary>
public sealed record ViewScore(string View, double Psnr, double Ssim, int Height, int Width);

/// <summary>Everything `headrecon eval` reports: the whole-head comparison, optionally the same metrics in the face
/// region (<see cref="Face"/>, keys prefixed "face_") and the H3DS protocol (<see cref="H3ds"/>, keys "h3ds_…").</summary>
public sealed record EvaluationReport(MeshComparison? Mesh, IReadOnlyList<ViewScore> HeldOutViews)
{
    public MeshComparison? Face { get; init; }
    public H3dsResult? H3ds { get; init; }

    public double? MeanPsnr => HeldOutViews.Count == 0 ? null : HeldOutViews.Average(v => v.Psnr);
    public double? MeanSsim => HeldOutViews.Count == 0 ? null : HeldOutViews.Average(v => v.Ssim);

    public Dictionary<string, object?> ToDictionary()
    {
        var d = new Dictionary<string, object?>();
        if (Mesh is not null) foreach (var (k, v) in Mesh.ToDictionary()) d[k] = v;
        if (Face is not null) foreach (var (k, v) in Face.ToDictionary()) d["face_" + k] = v;
        if (H3ds is not null) foreach (var (k, v) in H3ds.ToDictionary()) d[k] = v;
        d["heldout_views"] = HeldOutViews.Count;
        d["heldout_psnr"] = MeanPsnr;
        d["heldout_ssim"] = MeanSsim;
        return d;
    }
}

public static class RunEvaluator
{
    /// <summary>Chamfer, F-score at 0.5/1/2 % of the GT diagonal (and 1/2/5 mm when the scale is known), normal consistency.</summary>
    public static MeshComparison CompareMeshes(Mesh reconstruction, Mesh groundTruth, double? unitsToMm = null, int samples = 100_000, int seed = 0)
    {
        if (reconstruction.FaceCount == 0) throw new InvalidDataException("the reconstruction is empty: marching cubes found no zero level set inside the grid");
        return MeshMetrics.Compare(reconstruction, groundTruth, samples, Thresholds(groundTruth, unitsToMm), seed, unitsToMm);
    }

    /// <summary>
    /// The whole head as <see cref="CompareMeshes"/> and, when <paramref name="face"/> is given, the same metrics in the
    /// face region (<see cref="MeshMetrics.CompareInRegion"/>) with the whole head's F-score thresholds, so the two
    /// rows are comparable.
    /// </summary>
    public static (MeshComparison Head, MeshComparison? Face) CompareHeadAndFace(Mesh reconstruction, Mesh groundTruth, FaceRegion? face, double? unitsToMm = null, int samples = 100_000, int seed = 0)
    {
        var head = CompareMeshes(reconstruction, groundTruth, unitsToMm, samples, seed);
        var faceCmp = face is null ? null : MeshMetrics.CompareInRegion(reconstruction, groundTruth, face, samples, Thresholds(groundTruth, unitsToMm), seed, unitsToMm);
        return (head, faceCmp);
    }

    /// <summary>F-score thresholds: 0.5/1/2 % of the GT diagonal, and 1/2/5 mm when the scale is known.</summary>
    static double[] Thresholds(Mesh groundTruth, double? unitsToMm)
    {
        double diag = groundTruth.BoundsDiagonal();
        var thresholds = new List<double> { 0.005 * diag, 0.01 * diag, 0.02 * diag };
        if (unitsToMm is double mm) thresholds.AddRange([1 / mm, 2 / mm, 5 / mm]);
        return [.. thresholds];
    }

    /// <summary>
    /// What `headrecon eval RUN` reports: the run's identity meshed at <paramref name="resolution"/> (largest component)
    /// against the ground truth, in mm when the dataset's scale is known, and its held-out views.
    /// </summary>
    public static (Mesh Mesh, EvaluationReport Report) Evaluate(TrainedRun run, Mesh groundTruth, int? resolution = null, int views = 4, int samples = 100_000, double? unitsToMm = null)
    {
        int id = run.DefaultIdentity;
        var mesh = run.ExtractMesh(id, resolution, largestComponent: true);
        var comparison = CompareMeshes(mesh, groundTruth, unitsToMm ?? run.Dataset.UnitsToMm, samples);
        return (mesh, new EvaluationReport(comparison, HeldOutViews(run, id, views)));
    }

    /// <summary>
    /// Renders the identity's views that training did not see (<see cref="Evaluation.HeldOutViews.Select(Config.HeadConf, Data.HeadDataset, int)"/>), at most
    /// <paramref name="maxViews"/> spread over them, downscaled to <paramref name="maxSide"/>, and scores them.
    /// None when the dataset folder cannot be loaded whole (a run evaluated away from its data). With
    /// <paramref name="only"/>, exactly those views are scored (maxViews is ignored); a view the run trained on, a
    /// missing one or an unreadable folder throws.
    /// </summary>
    public static IReadOnlyList<ViewScore> HeldOutViews(TrainedRun run, int identity, int maxViews = 4, int maxSide = 64, IReadOnlyCollection<string>? only = null) =>
        RenderHeldOutViews(run, identity, maxViews, maxSide, only).Select(r => r.Score).ToList();

    /// <summary>As <see cref="HeldOutViews"/>, with the renderings and the ground-truth pixels.</summary>
    public static IReadOnlyList<HeldOutRender> RenderHeldOutViews(TrainedRun run, int identity, int maxViews = 4, int maxSide = 64, IReadOnlyCollection<string>? only = null)
    {
        if (Evaluation.HeldOutViews.Select(run.Conf, run.Dataset, identity, only) is not { } held) return [];
        var data = new DatasetTrainingData(held);
        var renders = new List<HeldOutRender>();
        foreach (int i in only is null ? Evaluation.HeldOutViews.Spread(held.Views.Count, maxViews) : Enumerable.Range(0, held.Views.Count))
        {
            var px = data.AllPixels(i, run.Model.Background.device, maxSide);
            var img = ImageRenderer.Render(run.Model, px.Batch, px.Height, px.Width, run.Conf.Train.SplitNPixels);
            var gt = px.RgbArray();
            var score = new ViewScore(held.Views[i].ViewName, ImageMetrics.Psnr(img.Rgb, gt, px.Height, px.Width), ImageMetrics.Ssim(img.Rgb, gt, px.Height, px.Width), px.Height, px.Width);
            renders.Add(new HeldOutRender(score, img, gt));
        }
        return renders;
    }
}

/// <summary>A held-out view's score, its rendering and the ground-truth pixels (RGB in [0, 1], row-major).</summary>
public sealed record HeldOutRender(ViewScore Score, RenderedImage Image, float[] GroundTruth);
