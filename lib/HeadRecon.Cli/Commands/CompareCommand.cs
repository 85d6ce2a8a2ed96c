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
        var capture = new Option<bool>("--capture") { Description = "the own-capture path instead: synthetic captures imported from COLMAP and aligned to the template; template → stage 1 → stage 2 against single-stage VolSDF from scratch for the same wall time, scored by the H3DS protocol (mm)" };
        var captures = new Option<string?>("--captures") { Description = "--capture: folder of `synth --scene capture` heads (default: OUT/captures, made when absent)" };
        var views = new Option<int[]>("--views") { Description = "--capture: view counts", DefaultValueFactory = _ => [3, 5], AllowMultipleArgumentsPerToken = true };
        var template = new Option<string>("--template") { Description = "--capture: the pre-trained template", DefaultValueFactory = _ => Training.PretrainedTemplate.DefaultPath };
        var set1 = new Option<string[]>("--set1") { Description = "--capture: override a key of the template path's stage 1 (repeatable)" };
        var set2 = new Option<string[]>("--set2") { Description = "--capture: override a key of the template path's stage 2 (repeatable)" };
        var setScratch = new Option<string[]>("--set-scratch") { Description = "--capture: override a key of the from-scratch run (repeatable)" };
        var device = CliOptions.Device();
        var cmd = new Command("compare", "Quality at equal wall time: train each variant (baseline and the speed/quality options) for the same seconds on synthetic heads, then Chamfer and held-out PSNR.")
        {
            output, seconds, variants, only, set, ids, res, meshRes, capture, captures, views, template, set1, set2, setScratch, device,
        };
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(capture))
            {
                var co = new CaptureComparisonOptions(parse.GetValue(output)!)
                {
                    Captures = parse.GetValue(captures),
                    Identities = parse.GetValue(ids),
                    Resolution = parse.GetResult(res) is { Implicit: false } ? parse.GetValue(res) : 512,
                    ViewCounts = parse.GetValue(views)!,
                    Template = parse.GetValue(template)!,
                    CommonOverrides = parse.GetValue(set) ?? [],
                    Stage1Overrides = parse.GetValue(set1) ?? [],
                    Stage2Overrides = parse.GetValue(set2) ?? [],
                    ScratchOverrides = parse.GetValue(setScratch) ?? [],
                    MeshResolution = parse.GetResult(meshRes) is { Implicit: false } ? parse.GetValue(meshRes) : null,
                    Device = TorchRuntime.ResolveDevice(parse.GetValue(device)!),
                };
                var rs = CaptureComparison.Run(co, Console.WriteLine);
                Console.WriteLine();
                Console.Write(CaptureComparison.Table(rs));
                return 0;
            }
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
