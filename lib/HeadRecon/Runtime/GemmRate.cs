using System.Diagnostics;
using static TorchSharp.torch;

namespace HeadRecon.Runtime;

/// <summary>Wall and CPU seconds of each measured round of <see cref="GemmRate.Measure"/>, and its rate.</summary>
public sealed record GemmMeasurement(double[] Seconds, double[] CpuSeconds, double FlopPerRound)
{
    public double MedianSeconds => Median(Seconds);
    public double MedianCpuSeconds => Median(CpuSeconds);
    /// <summary>fp32 matrix-product rate at the median round.</summary>
    public double GigaflopsPerSecond => FlopPerRound / MedianSeconds / 1e9;

    /// <summary>The median of measured times (NaN for none).</summary>
    public static double Median(IReadOnlyList<double> xs)
    {
        if (xs.Count == 0) return double.NaN;
        var s = xs.OrderBy(x => x).ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}

/// <summary>
/// The machine's fp32 matrix-product rate at the shapes that dominate training: a (25088 × 256)·(256 × 256)ᵀ
/// product, i.e. one 256-wide layer over the 256 rays × 98 samples of a stage-1 iteration, in its forward,
/// input-gradient and weight-gradient forms. The roofline the bench compares training and rendering with
/// (<c>headrecon bench</c>'s gemm case) and the rate <c>headrecon doctor</c> checks.
/// </summary>
public static class GemmRate
{
    public const int Rows = 25088, Width = 256;

    /// <summary>The documented rate per core of a quiet CI-class machine (docs/performance.md, gemm case on 2 cores
    /// with MKL's AVX-512 kernels); doctor warns below <see cref="ExpectedFraction"/> of it per thread.</summary>
    public const double DocumentedGigaflopsPerCore = 160;
    public const double ExpectedFraction = 0.5;

    /// <summary>Sets the rate doctor expects on this machine (GFLOP/s) instead of the documented per-core figure.</summary>
    public const string ExpectedVariable = "HEADRECON_GEMM_EXPECTED_GFLOPS";

    /// <summary>The rate below which doctor warns for <paramref name="threads"/> torch threads, and where it comes from;
    /// null with the reason when <see cref="ExpectedVariable"/> is not a positive number.</summary>
    public static (double? Gigaflops, string Source) ExpectedGigaflops(int threads)
    {
        var set = Environment.GetEnvironmentVariable(ExpectedVariable);
        if (string.IsNullOrEmpty(set))
            return (ExpectedFraction * DocumentedGigaflopsPerCore * threads,
                $"{ExpectedFraction * 100:F0} % of the {DocumentedGigaflopsPerCore:F0} GFLOP/s per core measured in docs/performance.md, {threads} thread(s)");
        return double.TryParse(set, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0
            ? (v, ExpectedVariable)
            : (null, $"{ExpectedVariable}='{set}' is not a positive number (GFLOP/s)");
    }

    /// <param name="triples">(forward, input-gradient, weight-gradient) products per round.</param>
    public static GemmMeasurement Measure(Device device, int warmup, int rounds, int triples = 10)
    {
        using var outer = NewDisposeScope();
        var gen = new Generator(0);
        var a = randn(Rows, Width, generator: gen).to(device);
        var w = randn(Width, Width, generator: gen).to(device);
        var g = randn(Rows, Width, generator: gen).to(device);
        var times = new List<double>();
        var cpu = new List<double>();
        using var self = Process.GetCurrentProcess();
        for (int i = 0; i < warmup + rounds; i++)
        {
            using var scope = NewDisposeScope();
            self.Refresh();
            var c0 = self.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            for (int r = 0; r < triples; r++)
            {
                _ = nn.functional.linear(a, w);      // forward: A·Wᵀ
                _ = g.mm(w);                          // input gradient: G·W
                _ = g.t().mm(a);                      // weight gradient: Gᵀ·A
            }
            if (device.type == TorchSharp.DeviceType.CUDA) cuda.synchronize(device);
            if (i < warmup) continue;
            times.Add(sw.Elapsed.TotalSeconds);
            self.Refresh();
            cpu.Add((self.TotalProcessorTime - c0).TotalSeconds);
        }
        return new GemmMeasurement([.. times], [.. cpu], 3.0 * triples * 2.0 * Rows * Width * Width);
    }
}
