using System.CommandLine;
using System.Text.Json.Nodes;
using HeadRecon.Alignment;
using HeadRecon.Config;
using HeadRecon.Data;
using HeadRecon.Data.Synthetic;
using HeadRecon.Training;

namespace HeadRecon.Cli.Commands;

/// <summary>`headrecon align landmarks|photometric`: the scene → template similarity, written as SCENE/alignment.json.</summary>
public static class AlignCommand
{
    public static Command Create()
    {
        var cmd = new Command("align", "Estimate the similarity from a scene's frame into a template's frame (alignment.json; train with --set dataset.alignment=alignment.json).");
        cmd.Subcommands.Add(Landmarks());
        cmd.Subcommands.Add(Photometric());
        return cmd;
    }

    /// <summary>The scene as its loader reads it (no img_res check, no alignment).</summary>
    internal static HeadDataset LoadScene(string scene, string format) =>
        HeadRecon.Data.Import.SceneImporter.Load(scene, format);

    static Option<string?> TruthOption() => new("--truth") { Description = "gt/pose.json of a synthetic capture: report the error against its world_to_template" };

    static void ReportTruth(string? truthPath, HeadDataset scene, Similarity datasetToTemplate, double templateCamScale)
    {
        if (truthPath is null) return;
        var truth = CaptureSceneWriter.ReadWorldToTemplate(truthPath, templateCamScale);
        // The estimate maps the loader's frame; the truth maps the capture's world: go through scale_mat (normalised → world).
        var worldToDataset = scene.ScaleMat is { } s ? Similarity.FromMatrix4(s).Inverse() : Similarity.Identity;
        Console.WriteLine($"against {truthPath}: {AlignmentError.Between(worldToDataset.Then(datasetToTemplate), truth)}");
    }

    static Command Landmarks()
    {
        var scene = new Argument<string>("SCENE") { Description = "scene folder (an imported IDR scene, or any dataset with --format)" };
        var lm2d = new Option<string?>("--landmarks2d") { Description = "2D landmarks JSON (default SCENE/landmarks2d.json)" };
        var templateLm = new Option<string?>("--template-landmarks") { Description = "the template's 3D landmarks (JSON); default: RUN/template_landmarks.json with --template, else the synthetic family's mean × --cam-scale" };
        var template = new Option<string?>("--template") { Description = "the stage-1 run whose template the scene is aligned to" };
        var camScale = new Option<double>("--cam-scale") { Description = "frame scale of a template trained on the synthetic family", DefaultValueFactory = _ => 0.15 };
        var format = new Option<string>("--format") { Description = "dataset format of SCENE", DefaultValueFactory = _ => "idr" };
        var output = new Option<string?>("--out") { Description = "alignment file to write (default SCENE/alignment.json)" };
        var truth = TruthOption();
        var weighting = new Option<string>("--weighting")
        {
            Description = "spread: weight each landmark by 1/spread² of the template's pre-training identities (needs --template with family.json); none: all equal",
            DefaultValueFactory = _ => "spread",
        };
        weighting.AcceptOnlyFromAmong("spread", "none");
        var unitsMm = new Option<double?>("--units-mm")
        {
            Description = "millimetres per unit of the capture's cameras (1 for a capture in mm): the scale is then known, only rotation and translation are fitted (needs --template)",
        };
        var cmd = new Command("landmarks", "Triangulate 2D facial landmarks with the scene's cameras (DLT + reprojection refinement) and fit the template's landmarks (Umeyama, no reflection, scale fitted).")
        { scene, lm2d, templateLm, template, camScale, format, output, truth, weighting, unitsMm };
        cmd.SetAction(p =>
        {
            string dir = p.GetValue(scene)!;
            var ds = LoadScene(dir, p.GetValue(format)!);
            string lmPath = p.GetValue(lm2d) ?? Path.Combine(dir, "landmarks2d.json");
            var (target, targetSource) = TemplateLandmarksFor(p.GetValue(templateLm), p.GetValue(template), p.GetValue(camScale));
            var pack = p.GetValue(template) is string run && File.Exists(Path.Combine(run, "family.json")) ? PretrainedTemplate.Open(run) : null;
            var spread = p.GetValue(weighting) == "spread" ? pack?.LandmarkSpread : null;
            double? fixedScale = null;
            if (p.GetValue(unitsMm) is double mm)
                fixedScale = LandmarkAlignment.MetricScale(ds, mm, pack?.MillimetresPerUnit
                    ?? throw new ArgumentException("--units-mm needs --template: a pre-trained template folder (with family.json), whose frame's units are known"));
            var result = LandmarkAlignment.Estimate(ds, LandmarkFiles.Read2D(lmPath), target, lmPath, spread, fixedScale);
            string outPath = p.GetValue(output) ?? Path.Combine(dir, AlignmentFile.FileName);
            var details = new JsonObject
            {
                ["landmarks2d"] = Path.GetFullPath(lmPath),
                ["template_landmarks"] = targetSource,
                ["weighting"] = spread is null ? "none" : "1/spread² of the template's pre-training identities",
                ["scale"] = fixedScale is null ? "fitted" : $"known: --units-mm {p.GetValue(unitsMm)}",
                ["residual_template_units"] = result.RmsTemplateUnits,
                ["triangulated"] = new JsonObject(result.Points.Select(pt => KeyValuePair.Create(pt.Name, (JsonNode?)new JsonObject
                {
                    ["position"] = new JsonArray(pt.Position.Select(v => (JsonNode)v).ToArray()),
                    ["views"] = pt.Views,
                    ["reprojection_rms_px"] = pt.RmsReprojectionPx,
                }))),
            };
            AlignmentFile.Write(outPath, result.Transform, "landmarks", details);
            Console.WriteLine(result);
            Console.WriteLine($"wrote {outPath} (template landmarks: {targetSource})");
            ReportTruth(p.GetValue(truth), ds, result.Transform, TemplateCamScale(p.GetValue(template)) ?? p.GetValue(camScale));
            return 0;
        });
        return cmd;
    }

    /// <summary>The cam_scale a template run was trained with (its frame is the synthetic head's × cam_scale).</summary>
    static double? TemplateCamScale(string? run)
    {
        if (run is null) return null;
        string dir = Path.GetFullPath(run);
        if (File.Exists(dir)) dir = Path.GetDirectoryName(Path.GetDirectoryName(dir))!; // RUN/checkpoints/NAME.ckpt
        return ConfLoader.Load(Path.Combine(RunFolder.Open(dir).Root, "conf.conf")).Dataset.CamScale;
    }

    internal static (HeadLandmarks Landmarks, string Source) TemplateLandmarksFor(string? file, string? run, double camScale)
    {
        if (file is not null) return (LandmarkFiles.Read3D(file), Path.GetFullPath(file));
        if (run is not null && TemplateLandmarks.ForRun(run) is { } fromRun) return (fromRun, Path.GetFullPath(Path.Combine(run, TemplateLandmarks.FileName)));
        return (TemplateLandmarks.SyntheticFamilyMean(camScale), $"synthetic family mean (30 heads, seed 0) x {camScale}");
    }

    static Command Photometric()
    {
        var scene = new Argument<string>("SCENE") { Description = "scene folder (an imported IDR scene, or any dataset with --format)" };
        var template = new Option<string>("--template") { Description = "stage-1 run (or checkpoint inside one) whose frozen template ∘ deformation is fitted", Required = true };
        var iterations = new Option<int>("--iterations") { Description = "optimisation steps", DefaultValueFactory = _ => 300 };
        var rays = new Option<int>("--rays") { Description = "rays per step", DefaultValueFactory = _ => 512 };
        var init = new Option<string?>("--init") { Description = "start from this alignment.json (e.g. the landmark one) instead of the cameras' rig" };
        var format = new Option<string>("--format") { Description = "dataset format of SCENE", DefaultValueFactory = _ => "idr" };
        var output = new Option<string?>("--out") { Description = "alignment file to write (default SCENE/alignment.json)" };
        var truth = TruthOption();
        var device = CliOptions.Device();
        var cmd = new Command("photometric", "Fit the 7 degrees of freedom (rotation, translation, log scale) of a frozen stage-1 template to the scene's masks and colours.")
        { scene, template, iterations, rays, init, format, output, truth, device };
        cmd.SetAction(p =>
        {
            string dir = p.GetValue(scene)!;
            var ds = LoadScene(dir, p.GetValue(format)!);
            var dev = HeadRecon.Runtime.TorchRuntime.ResolveDevice(p.GetValue(device)!);
            var start = p.GetValue(init) is string i ? AlignmentFile.Read(i) : null;
            var o = new PhotometricAlignmentOptions(Iterations: p.GetValue(iterations), RaysPerStep: p.GetValue(rays));
            var result = PhotometricAlignment.Fit(p.GetValue(template)!, ds, o, start, dev, Console.WriteLine);
            string outPath = p.GetValue(output) ?? Path.Combine(dir, AlignmentFile.FileName);
            AlignmentFile.Write(outPath, result.Transform, "photometric", result.Details());
            Console.WriteLine($"{result}\nwrote {outPath}");
            ReportTruth(p.GetValue(truth), ds, result.Transform, TemplateCamScale(p.GetValue(template)) ?? CaptureSceneWriter.TemplateCamScale);
            return 0;
        });
        return cmd;
    }
}
