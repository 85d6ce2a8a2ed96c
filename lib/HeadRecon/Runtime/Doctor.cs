using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace HeadRecon.Runtime;

/// <summary>One line of the environment check.</summary>
public sealed record DoctorCheck(string Name, string Value, bool Ok, string? Hint = null);

/// <summary>What `headrecon doctor` reports: TorchSharp and libtorch, device, threads, FTZ/DAZ and the launch environment.</summary>
public static class Doctor
{
    public static IReadOnlyList<DoctorCheck> Run(string device = "auto")
    {
        var checks = new List<DoctorCheck>
        {
            new("os", RuntimeInformation.OSDescription, true),
            new(".NET", RuntimeInformation.FrameworkDescription, true),
            new("TorchSharp", typeof(torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
                ?? typeof(torch).Assembly.GetName().Version?.ToString() ?? "?", true),
        };
        try
        {
            TorchRuntime.Initialize();
            checks.Add(new("libtorch", __version__, true));
        }
        catch (Exception ex)
        {
            checks.Add(new("libtorch", "failed to load", false,
                $"{ex.GetBaseException().Message} — build with `dotnet build` (it patches libLibTorchSharp.so's GLIBCXX_3.4.32 need) and run from the build output."));
            return checks;
        }
        checks.Add(new("threads", $"{TorchRuntime.Threads} of {Environment.ProcessorCount} cores", true));
        bool ftzSupported = FloatingPointControl.IsSupported;
        checks.Add(new("FTZ/DAZ", ftzSupported ? (TorchRuntime.FlushDenormals ? "on" : "off") : "not supported on this CPU/OS",
            !ftzSupported || TorchRuntime.FlushDenormals, "denormals make softplus(β=100) 3–5× slower"));
        checks.Add(new("MKL code path", MklCodePath.Status, !MklCodePath.Status.StartsWith("unchanged", StringComparison.Ordinal),
            "matrix products run MKL's AVX2 kernels at about half speed on this AMD CPU"));
        var missing = TorchRuntime.MissingLaunchEnvironment().ToList();
        checks.Add(new("launch environment", missing.Count == 0 ? string.Join(" ", TorchRuntime.LaunchEnvironment.Select(kv => $"{kv.Key}={kv.Value}")) : "missing " + string.Join(" ", missing),
            missing.Count == 0, "launch through `headrecon` (it sets these from lib/HeadRecon/Runtime/launch.env before the process starts)"));
        checks.Add(new("CUDA", cuda.is_available() ? $"available ({cuda.device_count()} device(s))" : "not available", true));
        try
        {
            var dev = TorchRuntime.ResolveDevice(device);
            using var scope = NewDisposeScope();
            var a = randn(64, 64, device: dev);
            float v = (a.matmul(a.T) - a.matmul(a.T)).abs().max().item<float>();
            checks.Add(new("device", $"{dev.type} (matmul check {(v == 0 ? "ok" : v.ToString())})", v == 0));
        }
        catch (Exception ex)
        {
            checks.Add(new("device", ex.Message, false));
        }
        return checks;
    }
}
