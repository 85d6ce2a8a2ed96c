using System.CommandLine;
using System.Text.Json;
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
        var mm = new Option<double?>("--units-to-mm") { Description = "millimetres per dataset unit, for metrics in mm" };
        var device = CliOptions.Device();
        var cmd = new Command("eval", "Chamfer, F-score, normal consistency against a GT mesh; PSNR/SSIM on held-out views.") { target, gt, json, samples, res, views, mm, device };
        cmd.SetAction(parse =>
        {
            string t = parse.GetValue(target)!;
            var gtMesh = Ply.Read(parse.GetValue(gt)!);
            Mesh recon;
            IReadOnlyList<ViewScore> scores = [];
            double? unitsToMm = parse.GetValue(mm);
            if (Directory.Exists(t))
            {
                using var r = TrainedRun.Load(t, TorchRuntime.ResolveDevice(parse.GetValue(device)!));
                int id = r.DefaultIdentity;
                recon = r.ExtractMesh(id, parse.GetValue(res), largestComponent: true);
                unitsToMm ??= r.Dataset.UnitsToMm;
                scores = RunEvaluator.HeldOutViews(r, id, parse.GetValue(views));
            }
            else
            {
                recon = Ply.Read(t);
            }
            var report = new EvaluationReport(RunEvaluator.CompareMeshes(recon, gtMesh, unitsToMm, parse.GetValue(samples)), scores);
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
