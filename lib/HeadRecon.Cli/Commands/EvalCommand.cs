using System.CommandLine;
using System.Text.Json;
using HeadRecon.Data;
using HeadRecon.Evaluation;
using HeadRecon.IO;
using HeadRecon.Meshing;
using HeadRecon.Runtime;
using HeadRecon.Training;

namespace HeadRecon.Cli.Commands;

public static class EvalCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("RUN_OR_MESH") { Description = "a run folder (meshed at --res, held-out views rendered) or a PLY mesh" };
        var gt = new Option<string>("--gt") { Description = "ground-truth mesh (PLY), same units as the reconstruction", Required = true };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var samples = new Option<int>("--samples") { Description = "surface samples per mesh", DefaultValueFactory = _ => 100_000 };
        var res = new Option<int?>("--res") { Description = "marching-cubes resolution when evaluating a run" };
        var views = new Option<int>("--views") { Description = "held-out views to render (runs only)", DefaultValueFactory = _ => 4 };
        var mm = new Option<double?>("--units-to-mm", "--units-mm") { Description = "millimetres per mesh unit (metrics in mm; the H3DS protocol defaults to 1: its meshes are in mm)" };
        var protocol = new Option<string>("--protocol") { Description = "default: surface-sampled Chamfer/F-score/normal consistency (face region too with --landmarks-gt); h3ds: H3DS's evaluate_scene (landmark Procrustes, ICP, nearest-vertex GT→prediction in mm, full_head and face_sphere) plus the default metrics after its alignment", DefaultValueFactory = _ => "default" };
        protocol.AcceptOnlyFromAmong("default", "h3ds");
        var lmGt = new Option<string?>("--landmarks-gt") { Description = "GT landmarks JSON (3D points or vertex indices of --gt): centres the 95 mm face region on the nose tip" };
        var lmPred = new Option<string?>("--landmarks-pred") { Description = "h3ds: predicted landmarks JSON (3D points or vertex indices) for the coarse Procrustes alignment" };
        var heat = new Option<string?>("--heatmap") { Description = "h3ds: prefix of the per-vertex error heat-map PLYs (default: next to the mesh, or RUN/eval/h3ds)" };
        var device = CliOptions.Device();
        var cmd = new Command("eval", "Chamfer, F-score, normal consistency against a GT mesh (whole head, face region); PSNR/SSIM on held-out views; the H3DS protocol.")
        { target, gt, json, samples, res, views, mm, protocol, lmGt, lmPred, heat, device };
        cmd.SetAction(parse =>
        {
            string t = parse.GetValue(target)!;
            string gtPath = parse.GetValue(gt)!;
            var gtMesh = Ply.Read(gtPath);
            Mesh recon;
            IReadOnlyList<ViewScore> scores = [];
            double? unitsToMm = parse.GetValue(mm);
            string heatPrefix;
            if (Directory.Exists(t))
            {
                using var r = TrainedRun.Load(t, TorchRuntime.ResolveDevice(parse.GetValue(device)!));
                int id = r.DefaultIdentity;
                recon = r.ExtractMesh(id, parse.GetValue(res), largestComponent: true);
                unitsToMm ??= r.Dataset.UnitsToMm;
                scores = RunEvaluator.HeldOutViews(r, id, parse.GetValue(views));
                heatPrefix = Path.Combine(r.Folder.Root, "eval", "h3ds");
            }
            else
            {
                recon = Ply.Read(t);
                heatPrefix = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(t))!, Path.GetFileNameWithoutExtension(t) + ".h3ds");
            }
            var gtLandmarks = parse.GetValue(lmGt) is string g ? LandmarkFiles.Read3D(g, gtMesh) : null;
            EvaluationReport report;
            if (parse.GetValue(protocol) == "h3ds")
            {
                double toMm = unitsToMm ?? 1.0;
                var predLandmarks = parse.GetValue(lmPred) is string pl ? LandmarkFiles.Read3D(pl, recon) : null;
                var h3ds = H3dsProtocol.Evaluate(recon, gtMesh, gtLandmarks, predLandmarks, new H3dsOptions(MillimetresPerUnit: toMm));
                string prefix = parse.GetValue(heat) ?? heatPrefix;
                foreach (var region in h3ds.Regions)
                {
                    Ply.Write($"{prefix}.{region.Region}.gt.ply", region.GroundTruthHeatMap);
                    Ply.Write($"{prefix}.{region.Region}.pred.ply", region.PredictionHeatMap);
                }
                // The project's surface-sampled metrics on the prediction as the full-head H3DS alignment left it, in mm.
                var aligned = h3ds[H3dsProtocol.FullHead]!.PredictionHeatMap.WithColors(null);
                var gtMm = new Similarity(toMm, Rotations.Identity, [0, 0, 0]).Apply(gtMesh);
                var face = gtLandmarks is null ? null : FaceRegion.H3ds(gtLandmarks, 1.0 / toMm);
                var faceMm = face is null ? null : face with { X = face.X * toMm, Y = face.Y * toMm, Z = face.Z * toMm, Radius = FaceRegion.H3dsRadiusMm };
                var (head, faceCmp) = RunEvaluator.CompareHeadAndFace(aligned, gtMm, faceMm, 1.0, parse.GetValue(samples));
                report = new EvaluationReport(head, scores) { Face = faceCmp, H3ds = h3ds };
                if (!parse.GetValue(json))
                {
                    Console.WriteLine(h3ds);
                    Console.WriteLine($"heat maps: {prefix}.<region>.{{gt,pred}}.ply (blue 0 → red ≥ 5 mm)");
                }
            }
            else
            {
                FaceRegion? face = null;
                if (gtLandmarks is not null)
                {
                    if (unitsToMm is not double u) throw new ArgumentException("--landmarks-gt: the 95 mm face region needs the mesh units (--units-mm)");
                    face = FaceRegion.H3ds(gtLandmarks, u);
                }
                var (head, faceCmp) = RunEvaluator.CompareHeadAndFace(recon, gtMesh, face, unitsToMm, parse.GetValue(samples));
                report = new EvaluationReport(head, scores) { Face = faceCmp };
            }
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report.ToDictionary()));
            }
            else
            {
                foreach (var (k, v) in report.ToDictionary()) Console.WriteLine($"{k,-28} {v}");
                foreach (var v in scores) Console.WriteLine($"view {v.View,-8} psnr {v.Psnr:F2} ssim {v.Ssim:F3}");
            }
            return 0;
        });
        return cmd;
    }
}
