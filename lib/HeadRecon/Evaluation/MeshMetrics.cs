using System.Globalization;
using HeadRecon.Meshing;

namespace HeadRecon.Evaluation;

/// <summary>
/// Geometric comparison of a reconstruction against ground truth. Distances are in mesh units; the *Mm variants
/// are set when a units-to-millimetres factor is known. Accuracy = reconstruction → ground truth, completeness =
/// ground truth → reconstruction, Chamfer = their average. F-score thresholds are in mesh units.
/// </summary>
public sealed record MeshComparison(
    int Samples,
    double Accuracy,
    double Completeness,
    double Chamfer,
    double? AccuracyMm,
    double? CompletenessMm,
    double? ChamferMm,
    IReadOnlyList<FScore> FScores,
    double NormalConsistency,
    double GroundTruthDiagonal,
    double ChamferOverDiagonal)
{
    /// <summary>Flat snake_case metrics for logs and tables ("fscore@0.01", "precision@0.01", ...).</summary>
    public IReadOnlyDictionary<string, double> ToDictionary()
    {
        var d = new Dictionary<string, double>
        {
            ["samples"] = Samples,
            ["accuracy"] = Accuracy,
            ["completeness"] = Completeness,
            ["chamfer"] = Chamfer,
            ["normal_consistency"] = NormalConsistency,
            ["gt_diagonal"] = GroundTruthDiagonal,
            ["chamfer_over_diagonal"] = ChamferOverDiagonal,
        };
        if (AccuracyMm is { } a) d["accuracy_mm"] = a;
        if (CompletenessMm is { } c) d["completeness_mm"] = c;
        if (ChamferMm is { } ch) d["chamfer_mm"] = ch;
        foreach (var f in FScores)
        {
            string t = f.Threshold.ToString("G6", CultureInfo.InvariantCulture);
            d[$"precision@{t}"] = f.Precision;
            d[$"recall@{t}"] = f.Recall;
            d[$"fscore@{t}"] = f.F;
        }
        return d;
    }
}

public static class MeshMetrics
{
    /// <summary>
    /// Samples <paramref name="samples"/> points on each surface (both with <paramref name="seed"/>, so identical meshes
    /// give identical samples and zero distance) and compares them by nearest neighbours.
    /// </summary>
    /// <param name="thresholds">F-score distance thresholds, in mesh units.</param>
    /// <param name="unitsToMm">Millimetres per mesh unit, when the scale is known.</param>
    public static MeshComparison Compare(Mesh reconstruction, Mesh groundTruth, int samples, double[] thresholds, int seed, double? unitsToMm)
    {
        ArgumentNullException.ThrowIfNull(reconstruction);
        ArgumentNullException.ThrowIfNull(groundTruth);
        ArgumentNullException.ThrowIfNull(thresholds);
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "need at least one sample");
        if (reconstruction.FaceCount == 0) throw new ArgumentException("reconstruction mesh has no faces", nameof(reconstruction));
        if (groundTruth.FaceCount == 0) throw new ArgumentException("ground-truth mesh has no faces", nameof(groundTruth));
        var rec = SurfaceSampler.Sample(reconstruction, samples, seed);
        var gt = SurfaceSampler.Sample(groundTruth, samples, seed);
        var match = PointSetMatch.Compute(rec.Points, gt.Points);
        double acc = match.MeanAToB, comp = match.MeanBToA, chamfer = match.Chamfer;
        double diagonal = groundTruth.BoundsDiagonal();
        return new MeshComparison(
            samples, acc, comp, chamfer,
            acc * unitsToMm, comp * unitsToMm, chamfer * unitsToMm,
            thresholds.Select(match.FScoreAt).ToArray(),
            match.NormalConsistency(rec.Normals, gt.Normals),
            diagonal,
            diagonal > 0 ? chamfer / diagonal : double.NaN);
    }

    /// <summary>
    /// <see cref="Compare"/> restricted to a region: both meshes are cropped to the triangles whose centroid lies in
    /// the ball (<see cref="FaceRegion.Crop"/>) and compared there, so accuracy and completeness both stay inside it;
    /// GroundTruthDiagonal is then the cropped ground truth's.
    /// </summary>
    public static MeshComparison CompareInRegion(Mesh reconstruction, Mesh groundTruth, FaceRegion region, int samples, double[] thresholds, int seed, double? unitsToMm)
    {
        ArgumentNullException.ThrowIfNull(region);
        var rec = region.Crop(reconstruction);
        var gt = region.Crop(groundTruth);
        string where = $"the region (radius {region.Radius:G4} around ({region.X:G4}, {region.Y:G4}, {region.Z:G4}))";
        if (gt.FaceCount == 0) throw new ArgumentException($"the ground truth has no triangles in {where}: are the landmarks in the mesh's frame and units?");
        if (rec.FaceCount == 0) throw new ArgumentException($"the reconstruction has no triangles in {where}");
        return Compare(rec, gt, samples, thresholds, seed, unitsToMm);
    }
}
