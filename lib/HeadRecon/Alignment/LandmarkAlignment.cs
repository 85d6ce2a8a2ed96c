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

    public static LandmarkAlignmentResult Estimate(HeadDataset dataset, Landmarks2D observations, HeadLandmarks template, string source = "landmarks")
    {
        var points = Triangulate(dataset, observations, source);
        var used = points.Where(p => template.Points.ContainsKey(p.Name)).ToList();
        if (used.Count < MinLandmarks)
            throw new DatasetException($"{source}: {used.Count} landmarks are seen in two or more views and known to the template ({string.Join(", ", used.Select(p => p.Name))}); at least {MinLandmarks} are needed (names: {string.Join(", ", HeadLandmarks.All)})");
        var a = used.SelectMany(p => p.Position).ToArray();
        var b = used.SelectMany(p => new[] { template[p.Name].X, template[p.Name].Y, template[p.Name].Z }).ToArray();
        var fit = Procrustes.Fit(a, b, ProcrustesScale.LeastSquares, allowReflection: false);
        return new LandmarkAlignmentResult(fit.Transform, points, used.Select(p => p.Name).ToList(), fit.RmsDistance);
    }
}
