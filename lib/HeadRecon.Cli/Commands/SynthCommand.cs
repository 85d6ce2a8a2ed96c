using System.CommandLine;
using HeadRecon.Data.Synthetic;

namespace HeadRecon.Cli.Commands;

/// <summary>`headrecon synth`: writes a synthetic head family in the PR layout with ground-truth meshes.</summary>
public static class SynthCommand
{
    public static Command Create()
    {
        var outOpt = new Option<string>("--out") { Description = "Output directory (created; must be empty)", Required = true };
        var idsOpt = new Option<int>("--identities") { Description = "Number of identities", DefaultValueFactory = _ => 6 };
        var viewsOpt = new Option<int>("--views") { Description = "Views per identity (15..99; view 15 is frontal)", DefaultValueFactory = _ => 30 };
        var resOpt = new Option<int?>("--res") { Description = "Square image resolution in pixels (default 128; 512 for --scene capture)" };
        var seedOpt = new Option<int>("--seed") { Description = "Family seed (same seed, same bytes)", DefaultValueFactory = _ => 0 };
        var exprOpt = new Option<bool>("--expressions") { Description = "Random mouth-open / smile per identity" };
        var gtResOpt = new Option<int>("--gt-res") { Description = "Ground-truth mesh voxels across the widest axis", DefaultValueFactory = _ => 192 };
        var noGtOpt = new Option<bool>("--no-gt") { Description = "Skip the ground-truth meshes" };
        var sceneOpt = new Option<string>("--scene") { Description = "pr: the training family (Agisoft layout); capture: held-out heads in a capture-like mm world with COLMAP models (CaptureSceneWriter)", DefaultValueFactory = _ => "pr" };
        sceneOpt.AcceptOnlyFromAmong("pr", "capture");
        var noiseOpt = new Option<double>("--landmark-noise") { Description = "capture: pixel noise (std) of the 2D landmarks", DefaultValueFactory = _ => 0.5 };
        var command = new Command("synth", "Generate synthetic multi-view heads (PR/Agisoft layout, or --scene capture) with ground truth");
        foreach (var o in new Option[] { outOpt, idsOpt, viewsOpt, resOpt, seedOpt, exprOpt, gtResOpt, noGtOpt, sceneOpt, noiseOpt }) command.Options.Add(o);
        command.SetAction(parseResult =>
        {
            if (parseResult.GetValue(sceneOpt) == "capture") return SynthCapture.Run(parseResult, outOpt, idsOpt, resOpt, seedOpt, gtResOpt, noGtOpt, noiseOpt);
            var options = new SynthOptions(
                parseResult.GetValue(outOpt)!,
                parseResult.GetValue(idsOpt),
                parseResult.GetValue(viewsOpt),
                parseResult.GetValue(resOpt) ?? 128,
                parseResult.GetValue(seedOpt),
                parseResult.GetValue(exprOpt),
                parseResult.GetValue(gtResOpt),
                !parseResult.GetValue(noGtOpt));
            string? problem = SyntheticHeadWriter.Validate(options);
            if (problem is not null)
            {
                Console.Error.WriteLine($"synth: {problem}");
                return 2;
            }
            var report = SyntheticHeadWriter.Write(options, Console.WriteLine);
            Console.WriteLine($"wrote {report.Identities.Count} identities to {options.OutDir}: render {report.RenderTime.TotalSeconds:F1} s, ground truth {report.GroundTruthTime.TotalSeconds:F1} s, total {report.TotalTime.TotalSeconds:F1} s");
            return 0;
        });
        return command;
    }
}
