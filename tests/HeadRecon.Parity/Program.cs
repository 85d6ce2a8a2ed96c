using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HeadRecon.Parity;
using HeadRecon.Runtime;

// HeadRecon.Parity: the parity checks of the test suite (Category=Parity) on a chosen device, with a report of every
// comparison's worst difference. Used by the GPU verification kit (tools/gpu/run-on-gpu.sh) where there is no SDK to
// run xunit.
const string Usage = "usage: HeadRecon.Parity [--device auto|cpu|cuda|cuda:N] [--reference DIR] [--only PREFIX[,PREFIX…]] [--json FILE] [--list]";
string device = "cpu", json = "";
string? reference = null;
var only = new List<string>();
bool list = false;
for (int i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    try
    {
        switch (args[i])
        {
            case "--device": device = Value(); break;
            case "--reference": reference = Value(); break;
            case "--only": only.AddRange(Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)); break;
            case "--json": json = Value(); break;
            case "--list": list = true; break;
            case "-h" or "--help": Console.WriteLine(Usage); return 0;
            default: throw new ArgumentException($"unknown argument '{args[i]}'");
        }
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine($"HeadRecon.Parity: {e.Message}\n{Usage}");
        return 2;
    }
}

var checks = ParityCatalog.All.Where(c => only.Count == 0 || only.Any(p => c.Name.StartsWith(p, StringComparison.Ordinal))).ToList();
if (list)
{
    foreach (var c in checks) Console.WriteLine($"{c.Name,-36} {c.Tolerance}{(c.CpuOnly is null ? "" : $"  [CPU only: {c.CpuOnly}]")}");
    return 0;
}
if (checks.Count == 0)
{
    Console.Error.WriteLine($"HeadRecon.Parity: --only {string.Join(",", only)} selects no check (see --list)");
    return 2;
}
reference ??= ReferenceVectors.Find();
if (reference is null || !Directory.Exists(reference))
{
    Console.Error.WriteLine($"HeadRecon.Parity: reference folder not found ({reference ?? ReferenceVectors.RepositoryFolder}); give --reference DIR");
    return 2;
}

TorchRuntime.Initialize();
TorchSharp.torch.Device dev;
try
{
    dev = TorchRuntime.ResolveDevice(device);
}
catch (Exception e) when (e is InvalidOperationException or ArgumentException)
{
    Console.Error.WriteLine($"HeadRecon.Parity: {e.Message}");
    return 2;
}

Console.WriteLine($"parity checks on {dev} (libtorch {TorchSharp.torch.__version__} API), reference vectors {Path.GetFullPath(reference)}");
var results = new List<Dictionary<string, object?>>();
int failed = 0, cpuOnlyDiffer = 0;
var all = Stopwatch.StartNew();
foreach (var check in checks)
{
    var ctx = new ParityContext(reference, dev);
    var sw = Stopwatch.StartNew();
    string? error = null;
    try
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        check.Run(ctx);
        if (dev.type == TorchSharp.DeviceType.CUDA) TorchSharp.torch.cuda.synchronize(dev);
    }
    catch (Exception e)
    {
        error = e is ParityMismatchException ? e.Message : $"{e.GetType().Name}: {e.GetBaseException().Message}";
    }
    double seconds = sw.Elapsed.TotalSeconds;
    bool excused = error is not null && check.CpuOnly is not null && dev.type != TorchSharp.DeviceType.CPU;
    if (error is not null && !excused) failed++;
    if (excused) cpuOnlyDiffer++;
    var worst = ctx.Comparisons.Where(c => c.Atol > 0 && double.IsFinite(c.MaxDiff)).OrderByDescending(c => c.MaxDiff / c.Atol).FirstOrDefault();
    string margin = worst is null ? "" : $"worst {worst.What}: {worst.MaxDiff.ToString("0.0e+0", CultureInfo.InvariantCulture)} of atol {worst.Atol.ToString("g", CultureInfo.InvariantCulture)}";
    string status = error is null ? "ok  " : excused ? "info" : "FAIL";
    Console.WriteLine($"{status}  {check.Name,-36} {seconds,6:F2} s  {ctx.Comparisons.Count,2} comparisons  {margin}");
    if (error is not null) Console.WriteLine($"      {(excused ? $"holds on the CPU only ({check.CpuOnly}): " : "")}{error.Split('\n')[0]}");
    results.Add(new()
    {
        ["name"] = check.Name, ["tolerance"] = check.Tolerance, ["passed"] = error is null, ["cpu_only"] = check.CpuOnly, ["seconds"] = Math.Round(seconds, 3),
        ["error"] = error,
        ["comparisons"] = ctx.Comparisons.Select(c => new Dictionary<string, object?>
        {
            ["what"] = c.What, ["max_diff"] = double.IsFinite(c.MaxDiff) ? c.MaxDiff : null, ["atol"] = c.Atol, ["rtol"] = c.Rtol, ["bad"] = c.Bad, ["count"] = c.Count,
            ["allowed_outliers"] = c.AllowedOutliers, ["passed"] = c.Passed,
        }).ToList(),
    });
}
Console.WriteLine($"{checks.Count - failed - cpuOnlyDiffer} passed, {failed} failed{(cpuOnlyDiffer > 0 ? $", {cpuOnlyDiffer} CPU-only checks differ (not failures on {dev.type})" : "")} in {all.Elapsed.TotalSeconds:F1} s on {dev}");
if (json.Length > 0)
{
    var doc = new Dictionary<string, object?>
    {
        ["device"] = dev.ToString(), ["passed"] = checks.Count - failed - cpuOnlyDiffer, ["failed"] = failed, ["cpu_only_differ"] = cpuOnlyDiffer,
        ["seconds"] = Math.Round(all.Elapsed.TotalSeconds, 2), ["checks"] = results,
    };
    File.WriteAllText(json, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
}
return failed == 0 ? 0 : 1;
