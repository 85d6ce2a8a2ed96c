using System.Diagnostics;
using System.Text.Json;
using HeadRecon.Config;
using HeadRecon.Data.Synthetic;
using HeadRecon.Evaluation;
using HeadRecon.IO;
using HeadRecon.Meshing;
using HeadRecon.Reporting;
using HeadRecon.Training;
using HeadRecon.Visualization;
using static TorchSharp.torch;

namespace HeadRecon.Pipelines;

public sealed record QuickstartOptions(string OutDir)
{
    public int Identities { get; init; } = 3;
    public int Resolution { get; init; } = 64;
    public int Seed { get; init; } = 1;
    public string Stage1Conf { get; init; } = "quickstart_st1.conf";
    public string Stage2Conf { get; init; } = "quickstart_st2.conf";
    public IReadOnlyList<string> Stage1Overrides { get; init; } = [];
    public IReadOnlyList<string> Stage2Overrides { get; init; } = [];
    public int? MeshResolution { get; init; }
    public int TurntableFrames { get; init; } = 12;
    public string Device { get; init; } = "auto";
}

public sealed record QuickstartResult(string OutDir, string Report, string MetricsJson, double ChamferRatio, TimeSpan Elapsed);

/// <summary>
/// The README's main job: synthetic heads → stage 1 → stage 2 → meshes → metrics → report. Every step is cached
/// (an existing dataset is reused, an interrupted stage is resumed), so running it again continues where it stopped.
/// </summary>
public static class Quickstart
{
    public static QuickstartResult Run(QuickstartOptions o, Action<string> log, IProgress<TrainingProgress>? progress = null)
    {
        var total = Stopwatch.StartNew();
        var device = Runtime.TorchRuntime.ResolveDevice(o.Device);
        string root = Path.GetFullPath(o.OutDir);
        string heads = Path.Combine(root, "heads");
        // Resolve and check both configurations before anything is written.
        string conf1Path = ConfPaths.Find(o.Stage1Conf), conf2Path = ConfPaths.Find(o.Stage2Conf);
        var conf1 = ConfLoader.Load(conf1Path, [$"dataset.data_dir=\"{heads}\"", .. o.Stage1Overrides]);
        string targetId = SyntheticHeadWriter.IdentityName(0);
        var conf2 = ConfLoader.Load(conf2Path, [$"dataset.data_dir=\"{heads}\"", $"dataset.scan_id=\"{targetId}\"",
            $"train.init_checkpoint=\"{Path.Combine(root, "stage1")}\"", .. o.Stage2Overrides]);
        if (conf1.Model.NumIdentity != conf2.Model.NumIdentity)
            throw new ConfException($"model.num_identity differs between {conf1Path} ({conf1.Model.NumIdentity}) and {conf2Path} ({conf2.Model.NumIdentity}); stage 2 loads stage 1's codes, keep them equal", key: "model.num_identity");
        if (o.Identities + 1 > conf1.Model.NumIdentity)
            throw new ConfException($"{o.Identities} identities need model.num_identity ≥ {o.Identities + 1} (one slot for an unseen person)", key: "model.num_identity");
        Directory.CreateDirectory(root);

        // 1. Data.
        if (!File.Exists(Path.Combine(heads, "id.txt")))
        {
            log($"[1/5] synthesising {o.Identities} heads × 30 views at {o.Resolution}² into {heads}");
            var rep = SyntheticHeadWriter.Write(new SynthOptions(heads, o.Identities, 30, o.Resolution, o.Seed), log);
            log($"      done in {rep.TotalTime.TotalSeconds:F1} s");
        }
        else log($"[1/5] reusing the synthetic heads in {heads}");

        // 2–3. Training.
        var t1 = TrainStage("[2/5] stage 1 (template + deformation, all identities)", conf1, Path.Combine(root, "stage1"), device, log, progress);
        var t2 = TrainStage("[3/5] stage 2 (displacement, one person)", conf2, Path.Combine(root, "stage2"), device, log, progress);

        // 4. Meshes.
        log("[4/5] extracting meshes");
        var meshDir = Path.Combine(root, "meshes");
        Directory.CreateDirectory(meshDir);
        var gt = Ply.Read(Path.Combine(heads, "gt", targetId + ".ply"));
        using var run1 = TrainedRun.Load(Path.Combine(root, "stage1"), device);
        using var run2 = TrainedRun.Load(Path.Combine(root, "stage2"), device);
        int id1 = run1.IdentityIndex(targetId), id2 = run2.IdentityIndex(targetId);
        var sw = Stopwatch.StartNew();
        var mesh1 = run1.ExtractMesh(id1, o.MeshResolution, largestComponent: true);
        var mesh2 = run2.ExtractMesh(id2, o.MeshResolution, colors: true, largestComponent: true);
        var template = run1.ExtractMesh(id1, o.MeshResolution, MeshSource.Template, largestComponent: true);
        Ply.Write(Path.Combine(meshDir, $"stage1_{targetId}.ply"), mesh1);
        Ply.Write(Path.Combine(meshDir, $"stage2_{targetId}.ply"), mesh2);
        Ply.Write(Path.Combine(meshDir, "template.ply"), template);
        log($"      3 meshes in {sw.Elapsed.TotalSeconds:F1} s ({mesh2.VertexCount} vertices for stage 2)");

        // 5. Metrics and report.
        log("[5/5] evaluating and writing the report");
        var cmp1 = RunEvaluator.CompareMeshes(mesh1, gt);
        var cmp2 = RunEvaluator.CompareMeshes(mesh2, gt);
        var views = RunEvaluator.HeldOutViews(run2, id2, maxViews: 3, maxSide: Math.Min(128, o.Resolution));
        var figures = Path.Combine(root, "figures");
        Directory.CreateDirectory(figures);
        WriteLossCurves(run1.Folder.MetricsFile, Path.Combine(figures, "loss_stage1.png"));
        WriteLossCurves(run2.Folder.MetricsFile, Path.Combine(figures, "loss_stage2.png"));
        WriteViewComparison(run2, id2, Path.Combine(figures, "views.png"));
        WriteTurntable(run2, id2, o.TurntableFrames, Path.Combine(figures, "turntable.gif"));

        var metrics = new Dictionary<string, object?>
        {
            ["identity"] = targetId,
            ["chamfer_ratio"] = cmp2.ChamferOverDiagonal,
            ["chamfer_ratio_target"] = 0.02,
            ["stage1"] = cmp1.ToDictionary(),
            ["stage2"] = cmp2.ToDictionary(),
            ["heldout_views"] = views.Select(v => new { view = v.View, psnr = v.Psnr, ssim = v.Ssim, height = v.Height, width = v.Width }).ToList(),
            ["heldout_psnr"] = views.Count > 0 ? views.Average(v => v.Psnr) : null,
            ["heldout_ssim"] = views.Count > 0 ? views.Average(v => v.Ssim) : null,
            ["stage1_iterations"] = t1.Iterations,
            ["stage2_iterations"] = t2.Iterations,
            ["stage1_seconds"] = t1.Seconds,
            ["stage2_seconds"] = t2.Seconds,
            ["total_seconds"] = total.Elapsed.TotalSeconds,
            ["threads"] = Runtime.TorchRuntime.Threads,
            ["device"] = device.type.ToString(),
        };
        string metricsPath = Path.Combine(root, "metrics.json");
        AtomicFile.WriteAllText(metricsPath, JsonSerializer.Serialize(metrics, new JsonSerializerOptions { WriteIndented = true }));
        var report = QuickstartReport.Write(root, conf1Path, conf2Path, targetId, cmp1, cmp2, views, t1, t2, total.Elapsed);
        log($"      Chamfer {cmp2.Chamfer:F4} = {cmp2.ChamferOverDiagonal:P2} of the GT diagonal (target ≤ 2 %); report {report}");
        return new QuickstartResult(root, report, metricsPath, cmp2.ChamferOverDiagonal, total.Elapsed);
    }

    public sealed record StageTiming(int Iterations, double Seconds);

    static StageTiming TrainStage(string title, HeadConf conf, string runDir, Device device, Action<string> log, IProgress<TrainingProgress>? progress)
    {
        var data = DatasetTrainingData.Open(conf);
        bool exists = File.Exists(Path.Combine(runDir, "conf.conf"));
        using var trainer = exists ? Trainer.Resume(runDir, data, device) : Trainer.Start(conf, data, runDir, device);
        foreach (var note in trainer.ResumeNotes) log($"{title}: note: {note}");
        if (trainer.Iteration >= trainer.TotalIterations)
        {
            log($"{title}: already trained ({trainer.Iteration} iterations), reusing {runDir}");
            return new StageTiming(trainer.Iteration, 0);
        }
        log($"{title}: {(exists ? $"resuming at {trainer.Iteration}" : "starting")}, {trainer.TotalIterations} iterations, {data.ViewCount} images → {runDir}");
        if (trainer.InitReport is { } r) log($"      initialised from stage 1: {r.Loaded.Count} tensors loaded, {r.Missing.Count} new, {r.Unexpected.Count} dropped");
        trainer.OnSnapshot = t => Snapshots.Write(t, data);
        var sw = Stopwatch.StartNew();
        trainer.Train(progress);
        Snapshots.Write(trainer, data);
        return new StageTiming(trainer.Iteration, sw.Elapsed.TotalSeconds);
    }

    static void WriteLossCurves(string metricsFile, string png)
    {
        var m = MetricsLog.Read(metricsFile);
        var series = new List<(string, IReadOnlyList<(int, double)>)>();
        foreach (var key in new[] { "loss", "rgb_loss", "eikonal_loss" })
            if (m.TryGetValue(key, out var s)) series.Add((key, s));
        using var img = LineChart.Draw(series, logY: true);
        Images.SavePng(img, png);
    }

    static void WriteViewComparison(TrainedRun run, int identity, string png)
    {
        var data = new DatasetTrainingData(run.Dataset);
        var strips = new List<SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>>();
        int view = Enumerable.Range(0, data.ViewCount).FirstOrDefault(i => run.Dataset.Views[i].ViewName.StartsWith("15", StringComparison.Ordinal));
        using var img = Snapshots.Compose(run.Model, data, view, 128, Math.Abs(run.Conf.Plot.GridBoundary[1]) * 1.5, run.Conf.Train.SplitNPixels);
        Images.SavePng(img, png);
    }

    static void WriteTurntable(TrainedRun run, int identity, int frames, string gif)
    {
        var views = run.Dataset.Views;
        var a = views.OrderBy(v => v.Center.X).First();
        var b = views.OrderBy(v => v.Center.X).Last();
        var scale = 64.0 / Math.Max(a.Height, a.Width);
        double[] k = [a.Intrinsics[0] * scale, 0, a.Intrinsics[2] * scale, 0, a.Intrinsics[4] * scale, a.Intrinsics[5] * scale, 0, 0, 1];
        int h = (int)Math.Round(a.Height * scale), w = (int)Math.Round(a.Width * scale);
        var poses = Orbit.Interpolate(a.CameraToWorld, b.CameraToWorld, frames, (0, 0, 0));
        var imgs = Orbit.Render(run.Model, identity, poses, k, h, w, run.Conf.Train.SplitNPixels);
        Orbit.SaveGif(imgs, gif);
        foreach (var i in imgs) i.Dispose();
    }
}

/// <summary>Finds a configuration by path, or by name in confs/ of the current directory or of the checkout the program runs from.</summary>
public static class ConfPaths
{
    public static string Find(string nameOrPath)
    {
        if (File.Exists(nameOrPath)) return Path.GetFullPath(nameOrPath);
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "confs", Path.GetFileName(nameOrPath));
                if (File.Exists(candidate)) return candidate;
            }
        }
        throw new FileNotFoundException($"{nameOrPath}: configuration not found (looked in ./confs and the checkout's confs/)", nameOrPath);
    }
}
