using System.Diagnostics;
using System.Text.Json;
using HeadRecon.Parity;
using Xunit;

namespace HeadRecon.Tests.Gpu;

/// <summary>The parity runner the GPU kit executes (HeadRecon.Parity), as a process on the CPU.</summary>
public class ParityRunnerTests
{
    static (int ExitCode, string Output) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "HeadRecon.Parity.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("HeadRecon.Parity did not finish in 120 s"); }
        return (p.ExitCode, output + err.Result);
    }

    [Fact]
    public void RunsTheSelectedChecksOnTheCpuAndWritesEveryComparison()
    {
        string json = Path.Combine(Path.GetTempPath(), $"parity-{Guid.NewGuid():N}.json");
        try
        {
            var (code, output) = Run("--device", "cpu", "--reference", TestSupport.DataPath("reference"), "--only", "density/,loss/", "--json", json);
            Assert.True(code == 0, output);
            Assert.Contains("5 passed, 0 failed", output);
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var checks = doc.RootElement.GetProperty("checks").EnumerateArray().ToList();
            Assert.Equal(ParityCatalog.Names("density/").Concat(ParityCatalog.Names("loss/")), checks.Select(c => c.GetProperty("name").GetString()));
            Assert.All(checks, c => Assert.True(c.GetProperty("passed").GetBoolean()));
            var loss = checks.Single(c => c.GetProperty("name").GetString() == "loss/terms/stage2").GetProperty("comparisons");
            Assert.Equal(9, loss.GetArrayLength()); // every term, each with its worst difference and tolerance
            Assert.All(loss.EnumerateArray(), c => Assert.True(c.GetProperty("max_diff").GetDouble() <= c.GetProperty("atol").GetDouble() + 1e-5));
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public void RejectsBadArgumentsAndAnUnavailableDevice()
    {
        Assert.Equal(2, Run("--frobnicate").ExitCode);
        var none = Run("--only", "no-such-area/");
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("selects no check", none.Output);
        var noRef = Run("--reference", Path.Combine(Path.GetTempPath(), "no-such-reference-folder"));
        Assert.Equal(2, noRef.ExitCode);
        Assert.Contains("reference folder not found", noRef.Output);
        if (!TorchSharp.torch.cuda.is_available())
        {
            var cuda = Run("--device", "cuda", "--reference", TestSupport.DataPath("reference"));
            Assert.Equal(2, cuda.ExitCode);
            Assert.Contains("CUDA is not available", cuda.Output);
        }
        var list = Run("--list");
        Assert.Equal(0, list.ExitCode);
        Assert.Equal(ParityCatalog.All.Count, list.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }
}
