using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace HeadRecon.Runtime;

/// <summary>One line of the environment check; a <paramref name="Warning"/> is shown but does not fail the check.</summary>
public sealed record DoctorCheck(string Name, string Value, bool Ok, string? Hint = null, bool Warning = false);

/// <summary>What `headrecon doctor` reports: TorchSharp and libtorch, device, the CPU paths in use (threads, FTZ/DAZ, MKL
/// kernels, BF16, OpenMP wait policy), the launch environment and a short gemm against the expected rate.</summary>
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
        Device? dev = null;
        string? deviceProblem = null;
        try
        {
            dev = TorchRuntime.ResolveDevice(device);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            deviceProblem = ex.Message;
        }
        // The CPU settings only matter where the CPU computes: on a GPU they are reported, not required.
        bool onCpu = dev is null || dev.type == DeviceType.CPU;
        checks.Add(new("threads", $"{TorchRuntime.Threads} of {Environment.ProcessorCount} cores", true));
        bool ftzSupported = FloatingPointControl.IsSupported;
        checks.Add(new("FTZ/DAZ", (ftzSupported ? (TorchRuntime.FlushDenormals ? "on" : "off") : "not supported on this CPU/OS") + (onCpu ? "" : " (host only; not needed on the GPU)"),
            !onCpu || !ftzSupported || TorchRuntime.FlushDenormals, "denormals make softplus(β=100) 3–5× slower"));
        checks.Add(new("MKL code path", MklCodePath.Status, !onCpu || !MklCodePath.Status.StartsWith("unchanged", StringComparison.Ordinal),
            "matrix products run MKL's AVX2 kernels at about half speed on this AMD CPU"));
        checks.Add(new("AVX-512 BF16", MachineLoad.HasCpuFlag("avx512_bf16") ? "available (the networks compute in float32)" : "not available", true));
        checks.Add(new("OMP_WAIT_POLICY", Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "unset", true));
        var missing = TorchRuntime.MissingLaunchEnvironment().ToList();
        checks.Add(new("launch environment", missing.Count == 0 ? string.Join(" ", TorchRuntime.LaunchEnvironment.Select(kv => $"{kv.Key}={kv.Value}")) : "missing " + string.Join(" ", missing),
            missing.Count == 0, "launch through `headrecon` (it sets these from lib/HeadRecon/Runtime/launch.env before the process starts)"));
        checks.Add(new("CUDA", cuda.is_available() ? $"available ({cuda.device_count()} device(s))" : "not available", true));
        if (dev is null)
        {
            checks.Add(new("device", deviceProblem!, false));
            return checks;
        }
        try
        {
            using var scope = NewDisposeScope();
            // A product on the device against the same product on the CPU in float64: a broken device or kernel is far off.
            var a = randn(256, 256, generator: new Generator(1));
            var exact = a.to(float64).matmul(a.to(float64).T);
            var onDevice = a.to(dev).matmul(a.to(dev).T).cpu().to(float64);
            double err = ((onDevice - exact).abs().max() / exact.abs().max()).item<double>();
            checks.Add(new("device", $"{dev} (matmul relative error {err:0.0e+0} against float64 on the CPU)", err < 1e-4,
                "float32 products should be within ~1e-6; TF32 or a broken kernel gives more"));
            checks.Add(GemmCheck(dev, onCpu));
            if (!onCpu)
            {
                checks.Add(new("TF32 matmul", backends.cuda.matmul.allow_tf32 ? "allowed (float32 products at reduced precision)" : "off (full float32, as the parity tolerances assume)",
                    !backends.cuda.matmul.allow_tf32, "parity with the original needs full float32 matrix products"));
                var mem = GpuMemory.Query(dev);
                checks.Add(new("GPU memory", mem is null ? "unknown (the CUDA runtime library was not found)" : $"{mem.UsedMegabytes:F0} of {mem.TotalMegabytes:F0} MiB in use", true));
            }
        }
        catch (Exception ex)
        {
            checks.Add(new("device", $"{dev}: {ex.GetBaseException().Message.Split('\n')[0]}", false));
        }
        return checks;
    }

    /// <summary>A short gemm (well under a second on a CI-class CPU) and, on the CPU, a warning below the expected rate.</summary>
    static DoctorCheck GemmCheck(Device dev, bool onCpu)
    {
        var g = GemmRate.Measure(dev, warmup: 1, rounds: 5, triples: 3);
        double rate = g.GigaflopsPerSecond, load = MachineLoad.OneMinuteAverage();
        string value = $"{rate:F0} GFLOP/s (fp32, {GemmRate.Rows}×{GemmRate.Width}·{GemmRate.Width}×{GemmRate.Width} products, load average {load:F2})";
        if (!onCpu) return new("gemm", value, true);
        var (expected, source) = GemmRate.ExpectedGigaflops(TorchRuntime.Threads);
        if (expected is not double floor) return new("gemm", value, false, source);
        bool slow = rate < floor;
        return new("gemm", $"{value}; expected ≥ {floor:F0} ({source})", true, slow
            ? "below the expected rate: other load on the machine, MKL's AVX2 path (see MKL code path) or a slower CPU; bench times here are not comparable with docs/performance.md"
            : null, Warning: slow);
    }
}
