using System.CommandLine;
using HeadRecon.Benchmarks;
using HeadRecon.Runtime;

namespace HeadRecon.Cli.Commands;

public static class CompareCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "output folder (runs are cached by variant name)", DefaultValueFactory = _ => "out/compare" };
        var seconds = new Option<double>("--seconds") { Description = "wall time each variant trains for", DefaultValueFactory = _ => 120 };
        var variants = new Option<string[]>("--variant")
        {
            Description = "name=STAGE:key=value;key=value (repeatable); default: st1-baseline, st1-occupancy, st1-numerical, st2-baseline, st2-hashgrid",
        };
        var only = new Option<string[]>("--only") { Description = "run only these of the default variants (comma separated or repeated)", AllowMultipleArgumentsPerToken = true };
        var set = new Option<string[]>("--set") { Description = "override a key in every variant (repeatable)" };
        var ids = new Option<int>("--identities") { Description = "synthetic identities", DefaultValueFactory = _ => 3 };
        var res = new Option<int>("--res") { Description = "image resolution of the synthetic views", DefaultValueFactory = _ => 64 };
        var meshRes = new Option<int>("--mesh-res") { Description = "marching-cubes resolution", DefaultValueFactory = _ => 128 };
        var device = CliOptions.Device();
        var cmd = new Command("compare", "Quality at equal wall time: train each variant (baseline and the speed/quality options) for the same seconds on synthetic heads, then Chamfer and held-out PSNR.")
        {
            output, seconds, variants, only, set, ids, res, meshRes, device,
        };
        cmd.SetAction(parse =>
        {
            var chosen = (parse.GetValue(variants) ?? []).Select(ComparisonVariant.Parse).ToList();
            var names = (parse.GetValue(only) ?? []).SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            foreach (var n in names)
            {
                chosen.Add(ComparisonVariant.Defaults.FirstOrDefault(v => v.Name == n)
                           ?? throw new ArgumentException($"--only: unknown variant '{n}' (known: {string.Join(", ", ComparisonVariant.Defaults.Select(v => v.Name))})"));
            }
            var o = new ComparisonOptions(parse.GetValue(output)!)
            {
                Seconds = parse.GetValue(seconds),
                Variants = chosen.Count > 0 ? chosen : ComparisonVariant.Defaults,
                CommonOverrides = parse.GetValue(set) ?? [],
                Identities = parse.GetValue(ids),
                ImageResolution = parse.GetValue(res),
                MeshResolution = parse.GetValue(meshRes),
                Device = TorchRuntime.ResolveDevice(parse.GetValue(device)!),
            };
            var results = EqualTimeComparison.Run(o, Console.WriteLine, r => Console.WriteLine(EqualTimeComparison.ToJson(r)));
            Console.WriteLine();
            Console.Write(EqualTimeComparison.Table(results, o));
            return 0;
        });
        return cmd;
    }
}
