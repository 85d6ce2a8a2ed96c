using System.Globalization;
using HeadRecon.Alignment;
using HeadRecon.Data;
using HeadRecon.Meshing;

namespace HeadRecon.Evaluation;

/// <summary>Settings of the H3DS protocol. <paramref name="MillimetresPerUnit"/> scales both meshes (and landmarks) to
/// millimetres first, so ICP's threshold and the 95 mm face sphere mean what they mean in H3DS; heat maps saturate at
/// <paramref name="HeatMapMaxMm"/> (h3ds' example clips at 5 mm).</summary>
public sealed record H3dsOptions(double MillimetresPerUnit = 1.0, double FaceRadiusMm = FaceRegion.H3dsRadiusMm, IcpOptions? Icp = null, double HeatMapMaxMm = 5.0);

/// <summary>One region's result: GT → prediction nearest-vertex distances (the reported number is their mean, in mm),
/// prediction → GT (heat maps only, as H3DS), the ICP that aligned the region, and heat-map meshes in millimetres
/// (<see cref="GroundTruthHeatMap"/>: the GT region coloured by the reported distances; <see cref="PredictionHeatMap"/>:
/// the aligned prediction coloured by its distance to the GT region, cut to the face ball for face_sphere).</summary>
public sealed record H3dsRegionResult(
    string Region,
    int GroundTruthVertices,
    double MeanMm,
    double MedianMm,
    double MeanPredictionToGroundTruthMm,
    IcpResult Icp,
    float[] GroundTruthToPredictionMm,
    Mesh GroundTruthHeatMap,
    Mesh PredictionHeatMap);

/// <summary>The protocol's outcome: the optional landmark Procrustes, each region, and the prediction's vertex count
/// (nearest-vertex distances depend on the mesh density, so it is reported with them).</summary>
public sealed record H3dsResult(Similarity? LandmarkAlignment, double? LandmarkRmsMm, int PredictionVertices, IReadOnlyList<H3dsRegionResult> Regions)
{
    public H3dsRegionResult? this[string region] => Regions.FirstOrDefault(r => r.Region == region);

    /// <summary>Flat metrics: h3ds_&lt;region&gt;_mm (the protocol's number), _median_mm, _pred_to_gt_mm, _gt_vertices, _icp_iterations.</summary>
    public IReadOnlyDictionary<string, double> ToDictionary()
    {
        var d = new Dictionary<string, double> { ["h3ds_prediction_vertices"] = PredictionVertices };
        if (LandmarkRmsMm is { } rms) d["h3ds_landmark_rms_mm"] = rms;
        foreach (var r in Regions)
        {
            d[$"h3ds_{r.Region}_mm"] = r.MeanMm;
            d[$"h3ds_{r.Region}_median_mm"] = r.MedianMm;
            d[$"h3ds_{r.Region}_pred_to_gt_mm"] = r.MeanPredictionToGroundTruthMm;
            d[$"h3ds_{r.Region}_gt_vertices"] = r.GroundTruthVertices;
            d[$"h3ds_{r.Region}_icp_iterations"] = r.Icp.Iterations;
        }
        return d;
    }

    public override string ToString() => string.Join(Environment.NewLine, Regions.Select(r => string.Create(CultureInfo.InvariantCulture,
        $"{r.Region,-10} GT→prediction {r.MeanMm:F3} mm (median {r.MedianMm:F3}) over {r.GroundTruthVertices} GT vertices; prediction {PredictionVertices} vertices; ICP {r.Icp.Iterations} it")));
}

/// <summary>
/// The H3DS evaluation (CrisalixSA/h3ds, <c>H3DS.evaluate_scene</c>), re-implemented:
/// 1. optional coarse alignment: Procrustes without reflection, scale fitted (trimesh's estimate), of the predicted
///    landmarks onto the GT landmarks (right eye, left eye, nose tip, nose base, right and left lip corners);
/// 2. ICP (trimesh.registration.icp defaults: 20 iterations, threshold 1e-5, similarity) aligning the GT region's
///    vertices to all predicted vertices; the prediction is moved by the inverse;
/// 3. nearest-vertex distances (k-d tree over vertices, not surface samples) from the GT region to the prediction, in mm.
/// Regions: <c>full_head</c> (every GT vertex) and <c>face_sphere</c> (GT vertices within 95 mm of the GT nose tip; ICP
/// restricted to them; needs GT landmarks). One difference: for the full head H3DS runs ICP on its annotated
/// <c>face</c> region (front of the face, ears and neck), which only its scans have; here ICP uses every GT vertex.
/// </summary>
public static class H3dsProtocol
{
    public const string FullHead = "full_head", FaceSphere = "face_sphere";

    public static H3dsResult Evaluate(Mesh prediction, Mesh groundTruth, HeadLandmarks? groundTruthLandmarks = null, HeadLandmarks? predictionLandmarks = null, H3dsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(groundTruth);
        var o = options ?? new H3dsOptions();
        if (prediction.VertexCount == 0) throw new InvalidDataException("the prediction has no vertices");
        if (groundTruth.VertexCount == 0) throw new InvalidDataException("the ground truth has no vertices");
        double mm = o.MillimetresPerUnit;
        var toMm = new Similarity(mm, Rotations.Identity, [0, 0, 0]);
        var pred = toMm.Apply(prediction);
        var gt = toMm.Apply(groundTruth);
        var gtLm = groundTruthLandmarks is null ? null : Scaled(groundTruthLandmarks, mm);

        Similarity? coarse = null;
        double? lmRms = null;
        if (predictionLandmarks is not null)
        {
            if (gtLm is null) throw new ArgumentException("predicted landmarks need ground-truth landmarks to align to");
            var predLm = Scaled(predictionLandmarks, mm);
            var fit = Procrustes.Fit(Stack(predLm, "prediction"), Stack(gtLm, "ground truth"), ProcrustesScale.RmsRatio, allowReflection: false);
            coarse = fit.Transform;
            lmRms = fit.RmsDistance;
            pred = coarse.Apply(pred);
        }

        var regions = new List<H3dsRegionResult> { EvaluateRegion(FullHead, pred, gt, null, o) };
        if (gtLm is not null)
            regions.Add(EvaluateRegion(FaceSphere, pred, gt, FaceRegion.FromLandmarks(gtLm, o.FaceRadiusMm), o));
        return new H3dsResult(coarse, lmRms, prediction.VertexCount, regions);
    }

    static H3dsRegionResult EvaluateRegion(string name, Mesh pred, Mesh gt, FaceRegion? region, H3dsOptions o)
    {
        var gtRegion = region is null ? gt : region.Cut(gt);
        if (gtRegion.VertexCount < 3) throw new InvalidDataException($"{name}: only {gtRegion.VertexCount} ground-truth vertices in the region");
        var source = FaceRegion.Positions(gtRegion, Enumerable.Range(0, gtRegion.VertexCount).ToArray());
        var icp = IterativeClosestPoint.Align(source, pred.Vertices, o.Icp);
        var aligned = icp.Transform.Inverse().Apply(pred);
        var gtToPred = ChamferDistance.NearestDistances(gtRegion.Vertices, aligned.Vertices);
        var predToGt = ChamferDistance.NearestDistances(aligned.Vertices, gtRegion.Vertices);
        var predHeat = aligned.WithColors(ErrorColoring.Colorize(predToGt, o.HeatMapMaxMm));
        if (region is not null) predHeat = region.Cut(predHeat);
        var sorted = (float[])gtToPred.Clone();
        Array.Sort(sorted);
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
        return new H3dsRegionResult(name, gtRegion.VertexCount, gtToPred.Average(x => (double)x), median, predToGt.Average(x => (double)x), icp, gtToPred,
            gtRegion.WithColors(ErrorColoring.Colorize(gtToPred, o.HeatMapMaxMm)), predHeat);
    }

    static HeadLandmarks Scaled(HeadLandmarks l, double s) => new(l.Points.ToDictionary(kv => kv.Key, kv => kv.Value * s));

    static double[] Stack(HeadLandmarks l, string which)
    {
        var missing = HeadLandmarks.H3dsOrder.Where(n => !l.Points.ContainsKey(n)).ToList();
        if (missing.Count > 0) throw new ArgumentException($"{which} landmarks lack {string.Join(", ", missing)} (H3DS aligns on {string.Join(", ", HeadLandmarks.H3dsOrder)})");
        return HeadLandmarks.H3dsOrder.SelectMany(n => new[] { l[n].X, l[n].Y, l[n].Z }).ToArray();
    }
}
