using System.CommandLine;
using HeadRecon.Data.Synthetic;
using HeadRecon.Evaluation;
using HeadRecon.IO;

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
        var heldOutOpt = new Option<int>("--held-out") { Description = "Leave the last N identities out of id.txt (unseen people, listed in heldout.txt)" };
        var familyOpt = new Option<string?>("--family") { Description = "Render the identities of this family file (gt/family.json of an earlier synth, or a template's) instead of drawing from --seed" };
        var renderOnlyOpt = new Option<string[]>("--render-only") { Description = "Render images of these identities only (ground truth for all)", AllowMultipleArgumentsPerToken = true };
        var sceneOpt = new Option<string>("--scene") { Description = "pr: the training family (Agisoft layout); capture: held-out heads in a capture-like mm world with COLMAP models (CaptureSceneWriter)", DefaultValueFactory = _ => "pr" };
        sceneOpt.AcceptOnlyFromAmong("pr", "capture");
        var noiseOpt = new Option<double>("--landmark-noise") { Description = "capture: pixel noise (std) of the 2D landmarks", DefaultValueFactory = _ => 0.5 };
        var command = new Command("synth", "Generate synthetic multi-view heads (PR/Agisoft layout, or --scene capture) with ground truth");
        foreach (var o in new Option[] { outOpt, idsOpt, viewsOpt, resOpt, seedOpt, exprOpt, gtResOpt, noGtOpt, heldOutOpt, renderOnlyOpt, familyOpt, sceneOpt, noiseOpt }) command.Options.Add(o);
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
                !parseResult.GetValue(noGtOpt))
            {
                HeldOut = parseResult.GetValue(heldOutOpt),
                Family = parseResult.GetValue(familyOpt) is string familyFile ? HeadFamily.Load(familyFile) : null,
                RenderOnly = parseResult.GetValue(renderOnlyOpt) is { Length: > 0 } only ? only : null,
            };
            string? problem = SyntheticHeadWriter.Validate(options);
            if (problem is not null)
            {
                Console.Error.WriteLine($"synth: {problem}");
                return 2;
            }
            var report = SyntheticHeadWriter.Write(options, Console.WriteLine);
            Console.WriteLine($"wrote {report.Identities.Count} identities to {options.OutDir}: render {report.RenderTime.TotalSeconds:F1} s, ground truth {report.GroundTruthTime.TotalSeconds:F1} s, total {report.TotalTime.TotalSeconds:F1} s");
            if (options.WriteGroundTruth && report.Identities.Count > 1)
            {
                // How far apart the identities are: a reconstruction can only show identity-specific geometry when
                // its error is well below these distances.
                string gtDir = Path.Combine(options.OutDir, "gt");
                var pairwise = PairwiseChamfer.Compute(report.Identities, report.Identities.Select(id => Ply.Read(Path.Combine(gtDir, id + ".ply"))).ToList());
                File.WriteAllText(Path.Combine(gtDir, "pairwise_chamfer.csv"), pairwise.ToCsv());
                Console.WriteLine($"pairwise ground-truth Chamfer (XML units): {pairwise.Describe()}; matrix in {Path.Combine(gtDir, "pairwise_chamfer.csv")}");
            }
            return 0;
        });
        return command;
    }
}
