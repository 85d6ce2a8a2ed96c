using System.CommandLine;
using HeadRecon.Benchmarks;
using HeadRecon.Runtime;

namespace HeadRecon.Cli.Commands;

public static class BenchCommand
{
    public static Command Create()
    {
        var conf = new Option<string?>("--conf") { Description = "time training iterations of this configuration only (default: the seed and quickstart cases)" };
        var confDir = new Option<string>("--conf-dir") { Description = "folder with face_st1/2.conf and quickstart_st1/2.conf", DefaultValueFactory = _ => "confs" };
        var rays = new Option<int?>("--rays") { Description = "rays per training batch (overrides every train case)" };
        var iters = new Option<int?>("--iters") { Description = "measured iterations per case (default: 3 for 1024-ray cases, 5 otherwise, 1 render/mesh)" };
        var warmup = new Option<int?>("--warmup") { Description = "warm-up iterations per case (default 2 for training cases, as the original was measured; 1 for the 64×64 render)" };
        var json = new Option<bool>("--json") { Description = "one JSON object per line (first line: the machine)" };
        var quick = new Option<bool>("--quick") { Description = "a short run: 256-ray and quickstart cases, 64×64 render, 128³ mesh, 2 iterations" };
        var each = new Option<bool>("--each") { Description = "also print every training iteration (warm-ups included) to stderr" };
        var threads = new Option<int?>("--threads") { Description = "intra-op threads (default: HEADRECON_THREADS, OMP_NUM_THREADS or all cores)" };
        var cases = new Option<string[]>("--cases")
        {
            Description = $"cases to run, comma separated or repeated; prefixes select groups (st1, render, mc, scale). Known: {string.Join(", ", BenchmarkSuite.AllCases)}; also default, quick, all",
            AllowMultipleArgumentsPerToken = true,
        };
        var set = new Option<string[]>("--set")
        {
            Description = "configuration override KEY=VALUE applied to every configuration the bench loads, repeatable " +
                          "(e.g. --set model.sdf_gradient=\\\"numerical\\\")",
            AllowMultipleArgumentsPerToken = false,
            Arity = ArgumentArity.ZeroOrMore,
        };
        var device = CliOptions.Device();
        var cmd = new Command("bench", "Time training iterations (sampler / forward / backward / optimiser), eval rendering and marching cubes.")
        {
            conf, confDir, rays, iters, warmup, json, quick, each, threads, cases, set, device,
        };
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(threads) is int t) TorchRuntime.Initialize(t);
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device)!);
            var settings = new BenchSettings
            {
                Conf = parse.GetValue(conf),
                ConfDir = parse.GetValue(confDir)!,
                Rays = parse.GetValue(rays),
                Iterations = parse.GetValue(iters),
                Warmup = parse.GetValue(warmup),
                Quick = parse.GetValue(quick),
                Cases = parse.GetValue(cases) ?? [],
                Overrides = parse.GetValue(set) ?? [],
                Device = dev,
                Trace = parse.GetValue(each) ? line => Console.Error.WriteLine(line) : null,
            };
            bool asJson = parse.GetValue(json);
            // Fail on a bad case name before spending minutes on the first case.
            if (settings.Conf is null) BenchmarkSuite.Resolve(settings.Cases, settings.Quick);
            var machine = MachineInfo.Current();
            if (asJson)
            {
                Console.WriteLine(BenchmarkSuite.ToJson(machine, settings.Overrides, dev));
            }
            else
            {
                Console.WriteLine($"machine: {machine.Cpu}, {machine.Cores} cores, {machine.Threads} torch threads, FTZ/DAZ {(machine.FlushDenormals ? "on" : "off")}, " +
                                  $"OMP_WAIT_POLICY={machine.OmpWaitPolicy ?? "(unset)"}, libtorch {machine.TorchVersion}, device {dev.type}, load {machine.LoadAverage:F2}, " +
                                  $"overrides: {(settings.Overrides.Count == 0 ? "none" : string.Join(" ", settings.Overrides))}");
                Console.WriteLine($"MKL: {machine.MklCodePath}");
                Console.WriteLine("times in seconds: median over the measured iterations after the warm-ups; train = one iteration, render = one image, mesh = one extraction");
                Console.WriteLine(BenchmarkSuite.TableHeader);
            }
            var results = BenchmarkSuite.Run(settings, r => Console.WriteLine(asJson ? BenchmarkSuite.ToJson(r) : BenchmarkSuite.TableRow(r)));
            if (!asJson)
                Console.WriteLine($"peak RSS {BenchmarkSuite.PeakRssMegabytes():F0} MiB, load {BenchmarkSuite.LoadAverage():F2}" +
                                  (GpuMemory.Query(dev) is { } gpu ? $", GPU memory in use {gpu.UsedMegabytes:F0} of {gpu.TotalMegabytes:F0} MiB (the process's peak: libtorch keeps what it reserved)" : ""));
            return results.Count > 0 ? 0 : 1;
        });
        return cmd;
    }
}
