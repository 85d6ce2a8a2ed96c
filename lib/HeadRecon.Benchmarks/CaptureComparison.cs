using System.Globalization;
using System.Text;
using System.Text.Json;
using HeadRecon.Alignment;
using HeadRecon.Config;
using HeadRecon.Data;
using HeadRecon.Data.Import;
using HeadRecon.Data.Synthetic;
using HeadRecon.Evaluation;
using HeadRecon.IO;
using HeadRecon.Training;
using static TorchSharp.torch;

namespace HeadRecon.Benchmarks;

public sealed record CaptureComparisonOptions(string OutDir)
{
    /// <summary>Synthetic captures (`headrecon synth --scene capture`); made here with <see cref="Identities"/> heads when absent.</summary>
    public string? Captures { get; init; }
    public int Identities { get; init; } = 3;
    public int Resolution { get; init; } = 512;
    public int Seed { get; init; }
    public IReadOnlyList<int> ViewCounts { get; init; } = [3, 5];
    public string Template { get; init; } = PretrainedTemplate.DefaultPath;
    public string Stage1Conf { get; init; } = "unseen_st1.conf";
    public string Stage2Conf { get; init; } = "unseen_st2.conf";
    public string ScratchConf { get; init; } = "unseen_scratch.conf";
    /// <summary>Keys set on every run (both paths).</summary>
    public IReadOnlyList<string> CommonOverrides { get; init; } = [];
    public IReadOnlyList<string> Stage1Overrides { get; init; } = [];
    public IReadOnlyList<string> Stage2Overrides { get; init; } = [];
    /// <summary>Keys of the from-scratch run (its budget is set from the template path's time, not by these).</summary>
    public IReadOnlyList<string> ScratchOverrides { get; init; } = [];
    public int? MeshResolution { get; init; }
    public Device Device { get; init; } = CPU;
}

/// <summary>One method on one capture with one view count, scored by the H3DS protocol in millimetres.</summary>
public sealed record CaptureComparisonResult(string Capture, int Views, string Method, int Iterations, double TrainSeconds,
    double FaceMm, double FaceMedianMm, double FullHeadMm, int PredictionVertices, string Mesh);

/// <summary>
/// The own-capture path at equal wall time (issue 15, part 5): for each synthetic capture and view count, the COLMAP
/// export is imported and aligned to the pre-trained template from its 2D landmarks; then (a) the template path —
/// stage 1 fine-tunes code and deformation from the template, stage 2 adds the displacement — and (b) single-stage
/// VolSDF from scratch for the same wall time (train.max_seconds = the template path's two stages), both in the
/// template's frame; each is meshed back into the capture's millimetre world and scored with the H3DS protocol
/// (face_sphere: GT vertices within 95 mm of the nose tip; full_head). Every step is cached by folder, so an
/// interrupted comparison continues where it stopped (a budgeted run that was cut is trained again: its clock restarted).
/// </summary>
public static class CaptureComparison
{
    public const string TemplatePath = "template", Scratch = "scratch";

    public static IReadOnlyList<CaptureComparisonResult> Run(CaptureComparisonOptions o, Action<string> log, Action<CaptureComparisonResult>? onResult = null)
    {
        string root = Path.GetFullPath(o.OutDir);
        string caps = Path.GetFullPath(o.Captures ?? Path.Combine(root, "captures"));
        var template = PretrainedTemplate.Open(o.Template);
        var templateLandmarks = TemplateLandmarks.ForRun(template.Root)
            ?? throw new ArgumentException($"{template.Root}: no {TemplateLandmarks.FileName}, so a capture cannot be aligned to it by landmarks");
        foreach (int v in o.ViewCounts)
            if (!CaptureSceneWriter.ViewCounts.Contains(v))
                throw new ArgumentException($"--views {v}: the captures carry COLMAP models for {string.Join(" and ", CaptureSceneWriter.ViewCounts)} views");
        string conf1 = ConfPaths.Find(o.Stage1Conf), conf2 = ConfPaths.Find(o.Stage2Conf), confScratch = ConfPaths.Find(o.ScratchConf);
        Directory.CreateDirectory(root);

        if (!Directory.Exists(caps) || !Directory.EnumerateDirectories(caps, "capture_*").Any())
        {
            log($"synthesising {o.Identities} captures at {o.Resolution}² into {caps}");
            CaptureSceneWriter.Write(new CaptureSceneOptions(caps, o.Identities, o.Resolution, o.Seed), log);
        }
        var captures = Directory.EnumerateDirectories(caps, "capture_*").Order(StringComparer.Ordinal).Take(o.Identities).ToList();

        var results = new List<CaptureComparisonResult>();
        foreach (string cap in captures)
        {
            string name = Path.GetFileName(cap);
            var gt = Ply.Read(Path.Combine(cap, "gt", "mesh.ply"));
            var gtLandmarks = LandmarkFiles.Read3D(Path.Combine(cap, "gt", "landmarks.json"), gt);
            foreach (int views in o.ViewCounts)
            {
                string cell = Path.Combine(root, name, $"{views}-views");
                string scene = ImportAndAlign(cap, views, Path.Combine(cell, "scene"), templateLandmarks, log);
                int side = ImageSide(scene);
                string[] sceneKeys = [.. SceneImporter.TrainingKeys(scene, side, side), .. o.CommonOverrides];
                string st1 = Path.Combine(cell, "stage1"), st2 = Path.Combine(cell, "stage2"), scratch = Path.Combine(cell, Scratch);
                var c1 = ConfLoader.Load(conf1, [.. sceneKeys, $"train.init_checkpoint=\"{template.Root}\"", .. o.Stage1Overrides]);
                var c2 = ConfLoader.Load(conf2, [.. sceneKeys, $"train.init_checkpoint=\"{st1}\"", .. o.Stage2Overrides]);
                template.RequireCompatible(c1, o.Stage1Conf);
                template.RequireCompatible(c2, o.Stage2Conf);
                var t1 = TrainToEnd(c1, st1, o.Device, log, $"{name}, {views} views, stage 1 from the template");
                var t2 = TrainToEnd(c2, st2, o.Device, log, $"{name}, {views} views, stage 2");
                double budget = t1.Seconds + t2.Seconds;
                var cs = ConfLoader.Load(confScratch, [.. sceneKeys, .. o.ScratchOverrides]);
                var ts = EqualTimeComparison.TrainForBudget(cs with { Train = cs.Train with { MaxSeconds = budget } }, scratch, o.Device, log, $"{name}, {views} views, from scratch for {budget:F0} s");

                foreach (var (method, dir, iterations, seconds) in new[] { (TemplatePath, st2, t1.Iterations + t2.Iterations, budget), (Scratch, scratch, ts.Iterations, ts.Seconds) })
                {
                    using var run = TrainedRun.Load(dir, o.Device);
                    // Meshed back through the alignment and scale_mat into the capture's world (mm), where the GT is.
                    var mesh = run.ExtractMesh(run.DefaultIdentity, o.MeshResolution, largestComponent: true);
                    string meshPath = Path.Combine(cell, $"{method}.ply");
                    Ply.Write(meshPath, mesh);
                    var h3ds = H3dsProtocol.Evaluate(mesh, gt, gtLandmarks, null, new H3dsOptions(MillimetresPerUnit: 1.0));
                    var face = h3ds[H3dsProtocol.FaceSphere]!;
                    var r = new CaptureComparisonResult(name, views, method, iterations, seconds, face.MeanMm, face.MedianMm,
                        h3ds[H3dsProtocol.FullHead]!.MeanMm, h3ds.PredictionVertices, Path.GetRelativePath(root, meshPath));
                    results.Add(r);
                    log($"  {ToJson(r)}");
                    onResult?.Invoke(r);
                }
            }
        }
        AtomicFile.WriteAllText(Path.Combine(root, "comparison.jsonl"), string.Join('\n', results.Select(ToJson)) + "\n");
        AtomicFile.WriteAllText(Path.Combine(root, "comparison.md"), Table(results));
        return results;
    }

    /// <summary>import colmap (with masks and 2D landmarks) then align landmarks to the template: the README's steps 1–2.</summary>
    static string ImportAndAlign(string capture, int views, string scene, HeadLandmarks templateLandmarks, Action<string> log)
    {
        string alignment = Path.Combine(scene, AlignmentFile.FileName);
        if (File.Exists(alignment)) return scene;
        if (Directory.Exists(scene)) Directory.Delete(scene, recursive: true);
        var (cams, points) = ColmapImport.Load(Path.Combine(capture, "colmap", views.ToString(CultureInfo.InvariantCulture)), Path.Combine(capture, "images"));
        var report = SceneImporter.Write(cams, points, new SceneImportOptions(scene, MasksDir: Path.Combine(capture, "masks"),
            Landmarks2D: Path.Combine(capture, "landmarks2d.json")), $"colmap:{Path.GetFileName(capture)}/{views}");
        log(report.ToString());
        var ds = SceneImporter.Load(scene);
        string lm = Path.Combine(scene, "landmarks2d.json");
        var fit = LandmarkAlignment.Estimate(ds, LandmarkFiles.Read2D(lm), templateLandmarks, lm);
        AlignmentFile.Write(alignment, fit.Transform, "landmarks");
        log(fit.ToString());
        return scene;
    }

    static int ImageSide(string scene)
    {
        var ds = SceneImporter.Load(scene);
        var (h, w) = (ds.Views[0].Height, ds.Views[0].Width);
        if (h != w) throw new ArgumentException($"{scene}: images are {w}×{h}; the comparison expects square captures");
        return h;
    }

    /// <summary>A stage trained to its end (<see cref="StageRun.ToEnd"/>), logged.</summary>
    static (int Iterations, double Seconds) TrainToEnd(HeadConf conf, string dir, Device device, Action<string> log, string title)
    {
        log($"{title}: {conf.Train.MaxIterations} iterations → {dir}");
        return StageRun.ToEnd(conf, dir, device, EqualTimeComparison.Progress(log));
    }

    public static string ToJson(CaptureComparisonResult r) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["capture"] = r.Capture, ["views"] = r.Views, ["method"] = r.Method, ["iterations"] = r.Iterations, ["train_s"] = Math.Round(r.TrainSeconds, 1),
        ["h3ds_face_sphere_mm"] = Math.Round(r.FaceMm, 3), ["h3ds_face_sphere_median_mm"] = Math.Round(r.FaceMedianMm, 3),
        ["h3ds_full_head_mm"] = Math.Round(r.FullHeadMm, 3), ["prediction_vertices"] = r.PredictionVertices, ["mesh"] = r.Mesh,
    });

    /// <summary>Reads a comparison.jsonl back (the notebook's and the docs' source).</summary>
    public static IReadOnlyList<CaptureComparisonResult> ReadJsonl(string path) => File.ReadLines(path).Where(l => l.Trim().Length > 0).Select(l =>
    {
        using var d = JsonDocument.Parse(l);
        var e = d.RootElement;
        return new CaptureComparisonResult(e.GetProperty("capture").GetString()!, e.GetProperty("views").GetInt32(), e.GetProperty("method").GetString()!,
            e.GetProperty("iterations").GetInt32(), e.GetProperty("train_s").GetDouble(), e.GetProperty("h3ds_face_sphere_mm").GetDouble(),
            e.GetProperty("h3ds_face_sphere_median_mm").GetDouble(), e.GetProperty("h3ds_full_head_mm").GetDouble(),
            e.GetProperty("prediction_vertices").GetInt32(), e.GetProperty("mesh").GetString()!);
    }).ToList();

    /// <summary>Every run, then per view count and method the mean ± sample standard deviation over the captures.</summary>
    public static string Table(IReadOnlyList<CaptureComparisonResult> results)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("| views | method | captures | face_sphere GT→pred (mm) | full_head GT→pred (mm) | train s | iterations |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var g in results.GroupBy(r => (r.Views, r.Method)).OrderBy(g => g.Key.Views).ThenBy(g => g.Key.Method == TemplatePath ? 0 : 1))
        {
            var face = g.Select(r => r.FaceMm).ToList();
            var full = g.Select(r => r.FullHeadMm).ToList();
            sb.AppendLine(inv, $"| {g.Key.Views} | {Describe(g.Key.Method)} | {g.Count()} | {MeanSd(face)} | {MeanSd(full)} | {g.Average(r => r.TrainSeconds):F0} | {g.Average(r => r.Iterations):F0} |");
        }
        sb.AppendLine();
        sb.AppendLine("| capture | views | method | face_sphere mean (mm) | face_sphere median (mm) | full_head mean (mm) | train s | iterations | prediction vertices |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
            sb.AppendLine(inv, $"| {r.Capture} | {r.Views} | {r.Method} | {r.FaceMm:F2} | {r.FaceMedianMm:F2} | {r.FullHeadMm:F2} | {r.TrainSeconds:F0} | {r.Iterations} | {r.PredictionVertices} |");
        return sb.ToString();
    }

    static string Describe(string method) => method == TemplatePath ? "template → stage 1 → stage 2" : "single-stage VolSDF from scratch";

    static string MeanSd(IReadOnlyList<double> xs) => SampleStatistics.Of(xs).MeanSd("F2");
}
