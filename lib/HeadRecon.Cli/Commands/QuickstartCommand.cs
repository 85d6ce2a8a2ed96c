using System.CommandLine;
using HeadRecon.Pipelines;

namespace HeadRecon.Cli.Commands;

public static class QuickstartCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "output folder", DefaultValueFactory = _ => "out/quickstart" };
        var ids = new Option<int>("--identities") { Description = "synthetic identities for stage 1", DefaultValueFactory = _ => 3 };
        var res = new Option<int>("--res") { Description = "image resolution of the synthetic views", DefaultValueFactory = _ => 64 };
        var seed = new Option<int>("--seed") { Description = "seed of the synthetic family", DefaultValueFactory = _ => 1 };
        var set1 = new Option<string[]>("--set1") { Description = "override a stage-1 key (repeatable)" };
        var set2 = new Option<string[]>("--set2") { Description = "override a stage-2 key (repeatable)" };
        var meshRes = new Option<int?>("--mesh-res") { Description = "marching-cubes resolution (default plot.resolution)" };
        var device = CliOptions.Device();
        var cmd = new Command("quickstart", "Synthetic heads → stage 1 → stage 2 → meshes → metrics → report, on a CPU in minutes.")
        {
            output, ids, res, seed, set1, set2, meshRes, device,
        };
        cmd.SetAction(parse =>
        {
            var o = new QuickstartOptions(parse.GetValue(output)!)
            {
                Identities = parse.GetValue(ids),
                Resolution = parse.GetValue(res),
                Seed = parse.GetValue(seed),
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
