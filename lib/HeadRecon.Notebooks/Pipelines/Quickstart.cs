using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HeadRecon.Config;
using HeadRecon.Data;
using HeadRecon.Data.Synthetic;
using HeadRecon.Evaluation;
using HeadRecon.IO;
using HeadRecon.Meshing;
using HeadRecon.Reporting;
using HeadRecon.Training;
using static TorchSharp.torch;

namespace HeadRecon.Pipelines;

public sealed record QuickstartOptions(string OutDir)
{
    /// <summary>The pre-trained template: a stage-1 run folder with the family it was trained on (family.json, id.txt, heldout.txt).</summary>
    public string Template { get; init; } = PretrainedTemplate.DefaultPath;
    /// <summary>The unseen person (default: the template's first held-out identity).</summary>
    public string? Identity { get; init; }
    public string Stage1Conf { get; init; } = "unseen_st1.conf";
    public string Stage2Conf { get; init; } = "unseen_st2.conf";
    public string BaselineConf { get; init; } = "unseen_scratch.conf";
    /// <summary>Also train the from-scratch single-stage baseline for the template path's wall time.</summary>
    public bool Baseline { get; init; }
    /// <summary>Overrides of stage 1's conf (`--set1`), applied to the baseline's too.</summary>
    public IReadOnlyList<string> Stage1Overrides { get; init; } = [];
    public IReadOnlyList<string> Stage2Overrides { get; init; } = [];
    public int? MeshResolution { get; init; }
    /// <summary>Voxels across the widest axis of every identity's ground-truth mesh.</summary>
    public int GroundTruthResolution { get; init; } = 160;
    /// <summary>Side of the renders and normal maps in the report.</summary>
    public int RenderSide { get; init; } = 128;
    public int TurntableFrames { get; init; } = 24;
    /// <summary>Held-out views rendered by stage 1 and stage 2 for the report and its PSNR.</summary>
    public int HeldOutViews { get; init; } = 3;
    /// <summary>Surface samples per mesh for the Chamfer against the person's own ground truth (identity discrimination
    /// takes 30 % of this per identity).</summary>
    public int Samples { get; init; } = 100_000;
    public string Device { get; init; } = "auto";
}

public sealed record QuickstartResult(string OutDir, string Report, string MetricsJson, double ChamferRatio, TimeSpan Elapsed);

/// <summary>
/// The README's main job, the paper's unseen-person path: a held-out identity of the template's synthetic family, seen
/// from 3 views, is fitted from the shipped pre-trained template (stage 1: its code and deformation; the template
/// frozen), then given its displacement (stage 2); meshes, metrics (whole head, face region, identity discrimination)
/// and a report follow. `Baseline` adds single-stage VolSDF from scratch for the same wall time. Every step is cached:
/// existing data is reused and an interrupted stage resumes.
/// </summary>
public static class Quickstart
{
    static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    public static QuickstartResult Run(QuickstartOptions o, Action<string> log, IProgress<TrainingProgress>? progress = null)
    {
        var total = Stopwatch.StartNew();
        var device = Runtime.TorchRuntime.ResolveDevice(o.Device);
        string root = Path.GetFullPath(o.OutDir);
        string heads = Path.Combine(root, "heads");
        // Everything that can fail on input is checked before anything is written.
        var template = PretrainedTemplate.Open(o.Template);
        string id = o.Identity ?? (template.HeldOut.Count > 0 ? template.HeldOut[0] : null)
            ?? throw new ArgumentException($"{template.Root}: the template lists no held-out identity (heldout.txt); give --identity");
        if (template.Training.Contains(id))
            throw new ArgumentException($"--identity {id}: the template was trained on this identity; choose an unseen one ({string.Join(", ", template.HeldOut)})");
        if (!template.Identities.Contains(id))
            throw new ArgumentException($"--identity {id}: not an identity of the template's family ({string.Join(", ", template.HeldOut)} are held out)");
        string[] data = [$"dataset.data_dir=\"{heads}\"", $"dataset.scan_id=\"{id}\""];
        string stage1Dir = Path.Combine(root, "stage1"), stage2Dir = Path.Combine(root, "stage2"), baselineDir = Path.Combine(root, "baseline");
        var conf1 = ConfLoader.Load(ConfPaths.Find(o.Stage1Conf), [.. data, $"train.init_checkpoint=\"{template.Root}\"", .. o.Stage1Overrides]);
        var conf2 = ConfLoader.Load(ConfPaths.Find(o.Stage2Conf), [.. data, $"train.init_checkpoint=\"{stage1Dir}\"", .. o.Stage2Overrides]);
        template.RequireCompatible(conf1, o.Stage1Conf);
        template.RequireCompatible(conf2, o.Stage2Conf);
        // The baseline takes stage 1's overrides too, so both see the same images, rays and network sizes.
        var confBaseline = o.Baseline ? ConfLoader.Load(ConfPaths.Find(o.BaselineConf), [.. data, .. o.Stage1Overrides]) : null;
        Directory.CreateDirectory(root);

        // 1. Data: the person's 30 views (3 train; the rest are held out) and every identity's exact ground truth.
        if (!File.Exists(Path.Combine(heads, "id.txt")))
        {
            log($"[1/5] synthesising identity {id} (30 views at {conf1.Dataset.ImgRes[0]}²) and the ground truth of the {template.Identities.Count} identities of the template's family");
            var rep = SyntheticHeadWriter.Write(new SynthOptions(heads, template.Identities.Count, 30, conf1.Dataset.ImgRes[0], GtResolution: o.GroundTruthResolution)
            {
                Family = template.Family,
                HeldOut = template.HeldOut.Count,
                RenderOnly = [id],
            });
            log($"      done in {rep.TotalTime.TotalSeconds:F1} s");
        }
        else log($"[1/5] reusing {heads}");

        // 2–3. Training: stage 1 fine-tuned from the template, then stage 2; the baseline for their wall time.
        var t1 = TrainStage("[2/5] stage 1: the person's code and deformation from the pre-trained template", conf1, stage1Dir, device, log, progress);
        var t2 = TrainStage("[3/5] stage 2: the displacement", conf2, stage2Dir, device, log, progress);
        StageTiming? tb = null;
        if (confBaseline is not null)
        {
            double budget = Math.Max(1, t1.TrainSeconds + t2.TrainSeconds);
            tb = TrainStage($"      baseline: single-stage VolSDF from scratch for the same {budget:F0} s", confBaseline with { Train = confBaseline.Train with { MaxSeconds = budget } },
                baselineDir, device, log, progress);
        }

        // 4. Meshes.
        log("[4/5] meshes");
        var meshDir = Path.Combine(root, "meshes");
        Directory.CreateDirectory(meshDir);
        string gtDir = Path.Combine(heads, "gt");
        var gt = Ply.Read(Path.Combine(gtDir, id + ".ply"));
        var face = FaceRegion.H3ds(LandmarkFiles.Read3D(IdentityDiscrimination.LandmarksPath(gtDir, id)), SyntheticHead.MillimetresPerUnit);
        using var run1 = TrainedRun.Load(stage1Dir, device);
        using var run2 = TrainedRun.Load(stage2Dir, device);
        using var runB = tb is null ? null : TrainedRun.Load(baselineDir, device);
        var sw = Stopwatch.StartNew();
        var scores = new List<ReconstructionScore>();
        ReconstructionScore Score(string name, TrainedRun run, bool colors)
        {
            var mesh = run.ExtractMesh(run.IdentityIndex(id), o.MeshResolution, colors: colors, largestComponent: true);
            Ply.Write(Path.Combine(meshDir, $"{name}_{id}.ply"), mesh);
            var (head, faceCmp) = RunEvaluator.CompareHeadAndFace(mesh, gt, face, SyntheticHead.MillimetresPerUnit, o.Samples);
            return new ReconstructionScore(name, head, faceCmp, mesh);
        }
        scores.Add(Score("stage1", run1, colors: false));
        scores.Add(Score("stage2", run2, colors: true));
        if (runB is not null) scores.Add(Score("baseline", runB, colors: false));
        var templateMesh = run1.ExtractMesh(run1.IdentityIndex(id), o.MeshResolution, MeshSource.Template, largestComponent: true);
        Ply.Write(Path.Combine(meshDir, "template.ply"), templateMesh);
        log($"      {scores.Count + 1} meshes in {sw.Elapsed.TotalSeconds:F1} s ({scores[1].Mesh.VertexCount} vertices for stage 2)");

        // 5. Metrics and report.
        log("[5/5] metrics and report");
        sw.Restart();
        var discrimination = scores.ToDictionary(s => s.Name, s => IdentityDiscrimination.Compute(s.Mesh, gtDir, id, SyntheticHead.MillimetresPerUnit, Math.Max(1000, o.Samples * 3 / 10)));
        log($"      distances to the {template.Identities.Count} identities' ground truths in {sw.Elapsed.TotalSeconds:F1} s");
        sw.Restart();
        var stage2 = scores.Single(s => s.Name == "stage2");
        var figures = Path.Combine(root, "figures");
        Directory.CreateDirectory(figures);
        var views = QuickstartFigures.HeldOutViews(run1, run2, id, o.HeldOutViews, o.RenderSide, Path.Combine(figures, "views.png"));
        log($"      {views.Count} held-out views rendered by both stages in {sw.Elapsed.TotalSeconds:F1} s");
        sw.Restart();
        QuickstartFigures.Meshes([("template", templateMesh), .. scores.Select(s => (s.Name, s.Mesh)), ("ground truth", gt)], Path.Combine(figures, "meshes.png"));
        foreach (var s in scores) QuickstartFigures.ErrorMap(s.Mesh, gt, Path.Combine(figures, $"error_{s.Name}.png"));
        QuickstartFigures.LossCurves(run1.Folder.MetricsFile, Path.Combine(figures, "loss_stage1.png"));
        QuickstartFigures.LossCurves(run2.Folder.MetricsFile, Path.Combine(figures, "loss_stage2.png"));
        QuickstartFigures.Turntable(stage2.Mesh, o.TurntableFrames, Path.Combine(figures, "turntable.gif"), o.RenderSide);
        log($"      figures in {sw.Elapsed.TotalSeconds:F1} s");

        var timings = new Dictionary<string, StageTiming> { ["stage1"] = t1, ["stage2"] = t2 };
        if (tb is not null) timings["baseline"] = tb;
        var metrics = new Dictionary<string, object?>
        {
            ["identity"] = id,
            ["template"] = template.Root,
            ["views"] = conf1.Dataset.FineTuneView,
            ["chamfer_ratio"] = stage2.Head.ChamferOverDiagonal,
            ["reconstructions"] = scores.ToDictionary(s => s.Name, s => new Dictionary<string, object?>
            {
                ["head"] = s.Head.ToDictionary(),
                ["face"] = s.Face?.ToDictionary(),
                ["identity_discrimination"] = discrimination[s.Name].ToDictionary(),
            }),
            ["heldout_views"] = views.Select(v => new { view = v.View, psnr_stage1 = v.Stage1.Psnr, psnr = v.Stage2.Psnr, ssim = v.Stage2.Ssim, v.Stage2.Height, v.Stage2.Width }).ToList(),
            ["heldout_psnr"] = views.Count > 0 ? views.Average(v => v.Stage2.Psnr) : null,
            ["heldout_ssim"] = views.Count > 0 ? views.Average(v => v.Stage2.Ssim) : null,
            ["timings"] = timings.ToDictionary(kv => kv.Key, kv => new { iterations = kv.Value.Iterations, seconds = kv.Value.TrainSeconds }),
            ["total_seconds"] = total.Elapsed.TotalSeconds,
            ["threads"] = Runtime.TorchRuntime.Threads,
            ["device"] = device.type.ToString(),
        };
        string metricsPath = Path.Combine(root, "metrics.json");
        AtomicFile.WriteAllText(metricsPath, JsonSerializer.Serialize(metrics, IndentedJson));
        var report = QuickstartReport.Write(new QuickstartReport.Inputs(root, id, template, conf1, scores, discrimination, views, timings, total.Elapsed));
        log(string.Create(CultureInfo.InvariantCulture,
            $"      stage 2: Chamfer {stage2.Head.Chamfer:F4} = {stage2.Head.ChamferOverDiagonal:P2} of the GT diagonal, face {stage2.Face?.Chamfer:F4}; {discrimination["stage2"]}; report {report}"));
        return new QuickstartResult(root, report, metricsPath, stage2.Head.ChamferOverDiagonal, total.Elapsed);
    }

    static StageTiming TrainStage(string title, HeadConf conf, string runDir, Device device, Action<string> log, IProgress<TrainingProgress>? progress)
    {
        var data = DatasetTrainingData.Open(conf);
        bool exists = File.Exists(Path.Combine(runDir, "conf.conf"));
        using var trainer = exists ? Trainer.Resume(runDir, data, device) : Trainer.Start(conf, data, runDir, device);
        if (trainer.Iteration >= trainer.TotalIterations || (exists && conf.Train.MaxSeconds > 0))
        {
            log($"{title}: already trained ({trainer.Iteration} iterations in {trainer.TrainSeconds:F0} s), reusing {runDir}");
            return new StageTiming(trainer.Iteration, trainer.TrainSeconds);
        }
        log($"{title}: {(exists ? $"resuming at {trainer.Iteration}" : "starting")}, {trainer.TotalIterations} iterations, {data.ViewCount} images → {runDir}");
        if (trainer.InitReport is { } r) log($"      initialised from {conf.Train.InitCheckpoint}: {r.Loaded.Count} tensors loaded, {r.Missing.Count} new, {r.Unexpected.Count} dropped");
        trainer.Train(progress);
        return new StageTiming(trainer.Iteration, trainer.TrainSeconds);
    }
}
