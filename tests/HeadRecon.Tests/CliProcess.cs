using System.Diagnostics;

namespace HeadRecon.Tests;

/// <summary>The command-line app as a user runs it: a separate process (dotnet HeadRecon.Cli.dll) with the launch environment and one thread.</summary>
public static class CliProcess
{
    static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "HeadRecon.Cli.dll");

    public static Process Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workDir = null)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workDir is not null) psi.WorkingDirectory = workDir;
        psi.ArgumentList.Add(Cli);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        psi.Environment["MALLOC_MMAP_MAX_"] = "0";
        psi.Environment["MALLOC_TRIM_THRESHOLD_"] = "17179869184";
        psi.Environment["HEADRECON_THREADS"] = "1";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return Process.Start(psi)!;
    }

    public static (int Code, string Out, string Err) Run(params string[] args) => Run(args, null);

    public static (int Code, string Out, string Err) Run(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, int timeoutMs = 240_000, string? workDir = null)
    {
        using var p = Start(args, environment, workDir);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs)) { p.Kill(true); throw new TimeoutException(string.Join(' ', args)); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
