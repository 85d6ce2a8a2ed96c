using System.Globalization;
using HeadRecon.Data;

namespace HeadRecon.Alignment;

/// <summary>The fitted scene → template similarity, the triangulated landmarks (scene frame) and the residual after the fit.</summary>
public sealed record LandmarkAlignmentResult(Similarity Transform, IReadOnlyList<TriangulatedPoint> Points, IReadOnlyList<string> Used, double RmsTemplateUnits)
{
    public override string ToString() => string.Join(Environment.NewLine,
        Points.Select(p => string.Create(CultureInfo.InvariantCulture, $"  {p.Name,-16} {p.Views} views, reprojection {p.RmsReprojectionPx:F2} px"))
            .Prepend(string.Create(CultureInfo.InvariantCulture, $"landmark alignment on {Used.Count} landmarks ({string.Join(", ", Used)}): {Transform}; residual {RmsTemplateUnits:G4} template units")));
}

/// <summary>
/// Scene → template alignment from 2D facial landmarks: every landmark seen in at least two views is triangulated
/// with the dataset's cameras (<see cref="Triangulation"/>), then Umeyama's least-squares similarity (no reflection,
/// scale fitted) maps the triangulated points onto the template's landmarks of the same names. Works in whatever
/// frame the dataset's cameras are (for an imported IDR scene: the normalised frame).
/// </summary>
public static class LandmarkAlignment
{
    public const int MinLandmarks = 4;

    public static IReadOnlyList<TriangulatedPoint> Triangulate(HeadDataset dataset, Landmarks2D observations, string source = "landmarks")
    {
        var byName = new Dictionary<string, List<PixelObservation>>(StringComparer.Ordinal);
        int matchedViews = 0;
        foreach (var (viewName, points) in observations.Views)
        {
            var view = dataset.Views.FirstOrDefault(v => v.ViewName == viewName);
            if (view is null) continue;
            matchedViews++;
            foreach (var (name, (u, v)) in points)
            {
                if (!byName.TryGetValue(name, out var list)) byName[name] = list = [];
                list.Add(new PixelObservation(view.Intrinsics, view.CameraToWorld, u, v));
            }
        }
        if (matchedViews == 0)
            throw new DatasetException($"{source}: none of its views ({string.Join(", ", observations.Views.Keys.Take(5))}) is an image of {dataset.Source} ({string.Join(", ", dataset.Views.Select(v => v.ViewName).Take(5))})");
        var result = new List<TriangulatedPoint>();
        foreach (var (name, obs) in byName.OrderBy(kv => Array.IndexOf(HeadLandmarks.All, kv.Key)))
        {
            if (obs.Count < 2) continue;
            var x = Triangulation.Point(obs);
            result.Add(new TriangulatedPoint(name, x, Triangulation.RmsReprojection(obs, x), obs.Count));
        }
        return result;
    }

    /// <param name="spread">Optional per-landmark spread across people (template units,
    /// <see cref="Training.TemplateLandmarks.Spread"/>): each landmark is weighted by 1/spread², so the ones that move
    /// least from person to person (the eyes) fix the pose and the ones that move most (nose tip, chin) count least.</param>
    /// <param name="fixedScale">The scene → template scale when it is known (a capture in known units, e.g. mm, and a
    /// template whose frame has known units): then only rotation and translation are fitted, and a person larger or
    /// smaller than the template keeps their size (the deformation takes it up) instead of being scaled to it.</param>
    public static LandmarkAlignmentResult Estimate(HeadDataset dataset, Landmarks2D observations, HeadLandmarks template, string source = "landmarks",
        IReadOnlyDictionary<string, double>? spread = null, double? fixedScale = null)
    {
        var points = Triangulate(dataset, observations, source);
        var used = points.Where(p => template.Points.ContainsKey(p.Name)).ToList();
        if (used.Count < MinLandmarks)
            throw new DatasetException($"{source}: {used.Count} landmarks are seen in two or more views and known to the template ({string.Join(", ", used.Select(p => p.Name))}); at least {MinLandmarks} are needed (names: {string.Join(", ", HeadLandmarks.All)})");
        var a = used.SelectMany(p => p.Position).ToArray();
        var b = used.SelectMany(p => new[] { template[p.Name].X, template[p.Name].Y, template[p.Name].Z }).ToArray();
        double[]? weights = null;
        if (spread is not null)
        {
            // A floor keeps one nearly fixed landmark from taking all the weight: 10 % of the median spread.
            // A landmark without a spread counts as a typical one (the median).
            double median = Median(used.Select(p => spread.GetValueOrDefault(p.Name)).Where(v => v > 0));
            double floor = 0.1 * median;
            weights = [.. used.Select(p => 1.0 / Math.Pow(Math.Max(spread.TryGetValue(p.Name, out double sd) ? sd : median, floor), 2))];
            double max = weights.Max();
            for (int i = 0; i < weights.Length; i++) weights[i] /= max;
        }
        if (fixedScale is double k)
        {
            if (!(k > 0) || !double.IsFinite(k)) throw new ArgumentOutOfRangeException(nameof(fixedScale), $"must be finite and > 0, got {k}");
            var rigid = Procrustes.Fit([.. a.Select(x => k * x)], b, ProcrustesScale.None, allowReflection: false, weights);
            var t = rigid.Transform;
            return new LandmarkAlignmentResult(t with { Scale = k }, points, used.Select(p => p.Name).ToList(), rigid.RmsDistance);
        }
        var fit = Procrustes.Fit(a, b, ProcrustesScale.LeastSquares, allowReflection: false, weights);
        return new LandmarkAlignmentResult(fit.Transform, points, used.Select(p => p.Name).ToList(), fit.RmsDistance);
    }

    /// <summary>The scene → template scale when both frames have known units: one normalised scene unit is scale_mat's
    /// scale in source units, times <paramref name="sceneMillimetresPerUnit"/>; one template unit is
    /// <paramref name="templateMillimetresPerUnit"/>.</summary>
    public static double MetricScale(HeadDataset scene, double sceneMillimetresPerUnit, double templateMillimetresPerUnit)
    {
        if (!(sceneMillimetresPerUnit > 0) || !(templateMillimetresPerUnit > 0))
            throw new ArgumentOutOfRangeException(nameof(sceneMillimetresPerUnit), "millimetres per unit must be > 0");
        double normalisedToSource = scene.ScaleMat is { } m ? m[0] : 1.0;
        return normalisedToSource * sceneMillimetresPerUnit / templateMillimetresPerUnit;
    }

    static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? 1e-3 : v[v.Length / 2];
    }
}
