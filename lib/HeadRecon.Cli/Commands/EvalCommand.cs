using System.CommandLine;
using System.Text.Json;
using HeadRecon.Evaluation;
using HeadRecon.IO;
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
        var mm = new Option<double?>("--units-to-mm") { Description = "millimetres per dataset unit, for metrics in mm" };
        var device = CliOptions.Device();
        var cmd = new Command("eval", "Chamfer, F-score, normal consistency against a GT mesh; PSNR/SSIM on held-out views.") { target, gt, json, samples, res, views, mm, device };
        cmd.SetAction(parse =>
        {
            string t = parse.GetValue(target)!;
            var gtMesh = Ply.Read(parse.GetValue(gt)!);
            EvaluationReport report;
            if (Directory.Exists(t))
            {
                using var r = TrainedRun.Load(t, TorchRuntime.ResolveDevice(parse.GetValue(device)!));
                report = RunEvaluator.Evaluate(r, gtMesh, parse.GetValue(res), parse.GetValue(views), parse.GetValue(samples), parse.GetValue(mm)).Report;
            }
            else
            {
                report = new EvaluationReport(RunEvaluator.CompareMeshes(Ply.Read(t), gtMesh, parse.GetValue(mm), parse.GetValue(samples)), []);
            }
            var scores = report.HeldOutViews;
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
