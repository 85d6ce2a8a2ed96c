using System.CommandLine;
using HeadRecon.Pipelines;

namespace HeadRecon.Cli.Commands;

public static class QuickstartCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "output folder", DefaultValueFactory = _ => "out/quickstart" };
        var template = new Option<string>("--template") { Description = "pre-trained template folder", DefaultValueFactory = _ => Training.PretrainedTemplate.DefaultPath };
        var identity = new Option<string?>("--identity") { Description = "the unseen person (default: the template's first held-out identity)" };
        var baseline = new Option<bool>("--baseline") { Description = "also train single-stage VolSDF from scratch for the same wall time" };
        var set1 = new Option<string[]>("--set1") { Description = "override a stage-1 key (repeatable)" };
        var set2 = new Option<string[]>("--set2") { Description = "override a stage-2 key (repeatable)" };
        var meshRes = new Option<int?>("--mesh-res") { Description = "marching-cubes resolution (default plot.resolution)" };
        var device = CliOptions.Device();
        var cmd = new Command("quickstart", "An unseen person from 3 views with the pre-trained template: stage 1 → stage 2 → meshes → metrics → report, on a CPU in minutes.")
        {
            output, template, identity, baseline, set1, set2, meshRes, device,
        };
        cmd.SetAction(parse =>
        {
            var o = new QuickstartOptions(parse.GetValue(output)!)
            {
                Template = parse.GetValue(template)!,
                Identity = parse.GetValue(identity),
                Baseline = parse.GetValue(baseline),
                Stage1Overrides = parse.GetValue(set1) ?? [],
                Stage2Overrides = parse.GetValue(set2) ?? [],
                MeshResolution = parse.GetValue(meshRes),
                Device = parse.GetValue(device)!,
            };
            var result = Quickstart.Run(o, Console.WriteLine, new ConsoleProgress());
            Console.WriteLine($"quickstart finished in {result.Elapsed.TotalMinutes:F1} min: {result.Report}, {result.MetricsJson}; Chamfer/diagonal = {result.ChamferRatio:P2}");
            return 0;
        });
        return cmd;
    }
}
