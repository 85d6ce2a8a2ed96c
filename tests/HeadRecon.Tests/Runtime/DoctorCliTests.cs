using System.Text.RegularExpressions;
using HeadRecon.Runtime;
using Xunit;

namespace HeadRecon.Tests.Runtime;

/// <summary><c>headrecon doctor</c> as a process: the CPU paths it reports and the gemm rate check.</summary>
public class DoctorCliTests
{
    static CliResult Doctor(string? expectedGflops) =>
        CliProcess.Run(["doctor", "--device", "cpu"], expectedGflops is null ? null : new Dictionary<string, string> { [GemmRate.ExpectedVariable] = expectedGflops });

    static string Line(CliResult r, string name) =>
        r.Out.Split('\n').SingleOrDefault(l => Regex.IsMatch(l, $@"^(ok  |warn|FAIL)  {Regex.Escape(name)} ")) ?? throw new Xunit.Sdk.XunitException($"no '{name}' line in\n{r}");

    [Fact]
    public void ReportsTheCpuPathsAndTheGemmRateAgainstTheDocumentedExpectation()
    {
        var r = Doctor(null);
        Assert.True(r.Code == 0, r.ToString());
        Assert.StartsWith("ok", Line(r, "FTZ/DAZ"));
        Assert.Contains("PASSIVE", Line(r, "OMP_WAIT_POLICY"));
        Assert.Matches(@"threads +\d+ of \d+ cores", Line(r, "threads"));
        Assert.DoesNotContain("not attempted", Line(r, "MKL code path"));
        bool bf16 = File.ReadLines("/proc/cpuinfo").First(l => l.StartsWith("flags", StringComparison.Ordinal)).Split(' ').Contains("avx512_bf16");
        Assert.Contains(bf16 ? "available (" : "not available", Line(r, "AVX-512 BF16"));
        var gemm = Line(r, "gemm");
        // One torch thread in the test processes: the expectation is half the documented per-core rate.
        Assert.Matches(@"\d+ GFLOP/s \(fp32, 25088×256·256×256 products, load average [\d.]+\); expected ≥ 80 \(50 % of the 160 GFLOP/s per core", gemm);
    }

    [Fact]
    public void WarnsBelowTheExpectedRateWithoutFailing()
    {
        var slow = Doctor("1e9");
        Assert.True(slow.Code == 0, slow.ToString());
        Assert.StartsWith("warn", Line(slow, "gemm"));
        Assert.Contains("hint: below the expected rate", slow.Out);
        Assert.Contains("works, with warnings", slow.Out);

        var fast = Doctor("1");
        Assert.StartsWith("ok", Line(fast, "gemm"));
        Assert.Contains($"expected ≥ 1 ({GemmRate.ExpectedVariable})", Line(fast, "gemm"));

        var bad = Doctor("fast");
        Assert.Equal(1, bad.Code);
        Assert.StartsWith("FAIL", Line(bad, "gemm"));
        Assert.Contains($"{GemmRate.ExpectedVariable}='fast' is not a positive number", bad.Out);
    }
}
