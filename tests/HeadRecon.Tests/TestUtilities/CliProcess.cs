using System.Diagnostics;
using System.Text;
using HeadRecon.Runtime;
using Xunit;

namespace HeadRecon.Tests;

/// <summary>What a finished command-line process printed.</summary>
public sealed record CliResult(int Code, string Out, string Err)
{
    public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    public override string ToString() => $"exit {Code}\nstdout:\n{Out}\nstderr:\n{Err}";
}

/// <summary>
/// Runs the command line as a user does: a separate process (its own .NET hash seeds, heap layout and libtorch), with
/// the launch environment and one intra-op thread (bit-identical results need the same thread count).
/// </summary>
public sealed class CliProcess : IDisposable
{
    public static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "HeadRecon.Cli.dll");

    readonly Process _p;
    readonly StringBuilder _out = new(), _err = new();
    readonly TaskCompletionSource _firstIteration = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly Stopwatch _sinceStart = Stopwatch.StartNew();
    readonly List<(int Iteration, long Ms)> _progress = [];

    CliProcess(ProcessStartInfo psi)
    {
        _p = new Process { StartInfo = psi };
        _p.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_out) _out.Append(e.Data).Append('\n');
            if (!e.Data.StartsWith("it ", StringComparison.Ordinal)) return;
            int slash = e.Data.IndexOf('/', StringComparison.Ordinal);
            if (slash > 3 && int.TryParse(e.Data.AsSpan(3, slash - 3), out int it))
                lock (_progress) { _progress.Add((it, _sinceStart.ElapsedMilliseconds)); Monitor.PulseAll(_progress); }
            _firstIteration.TrySetResult();
        };
        _p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_err) _err.Append(e.Data).Append('\n'); };
        _p.Start();
        _p.BeginOutputReadLine();
        _p.BeginErrorReadLine();
    }

    public int Id => _p.Id;
    public bool HasExited => _p.HasExited;
    public string Out { get { lock (_out) return _out.ToString(); } }
    public string Err { get { lock (_err) return _err.ToString(); } }

    /// <summary>Starts <c>headrecon ARGS</c>; with <paramref name="asUser"/> (uid:gid) through setpriv, for permission cases;
    /// <paramref name="environment"/> adds variables (e.g. SLURM_ARRAY_TASK_ID).</summary>
    public static CliProcess Start(IEnumerable<string> args, string? asUser = null, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(asUser is null ? "dotnet" : "setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asUser is not null)
        {
            var ids = asUser.Split(':');
            foreach (var a in new[] { $"--reuid={ids[0]}", $"--regid={ids[1]}", "--clear-groups", "dotnet" }) psi.ArgumentList.Add(a);
            psi.Environment["HOME"] = Path.GetTempPath();
        }
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in TorchRuntime.LaunchEnvironment) psi.Environment[k] = v;
        psi.Environment["HEADRECON_THREADS"] = "1";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        return new CliProcess(psi);
    }

    public static CliProcess Start(params string[] args) => Start((IEnumerable<string>)args);

    public static CliResult Run(params string[] args) => Start(args).Finish();

    public static CliResult Run(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, int timeoutMs = 600_000) =>
        Start(args, environment: environment).Finish(timeoutMs);

    /// <summary>True once the process printed its first training progress line (or false after the timeout).</summary>
    public bool WaitForFirstIteration(TimeSpan timeout) => _firstIteration.Task.Wait(timeout);

    /// <summary>Waits until the process has printed the progress line of iteration <paramref name="iteration"/> or a later one;
    /// false after the timeout or when it exited first.</summary>
    public bool WaitForIteration(int iteration, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        lock (_progress)
        {
            while (_progress.Count == 0 || _progress[^1].Iteration < iteration)
            {
                if (_p.HasExited || deadline.Elapsed > timeout) return false;
                Monitor.Wait(_progress, 100);
            }
            return true;
        }
    }

    /// <summary>Mean milliseconds between the progress lines printed so far (null before the second one).</summary>
    public double? MeanIterationMs
    {
        get
        {
            lock (_progress)
                return _progress.Count < 2 ? null : (double)(_progress[^1].Ms - _progress[0].Ms) / (_progress[^1].Iteration - _progress[0].Iteration);
        }
    }

    public CliResult Finish(int timeoutMs = 600_000)
    {
        using (this)
        {
            if (!_p.WaitForExit(timeoutMs))
            {
                _p.Kill(entireProcessTree: true);
                Assert.Fail($"{string.Join(' ', _p.StartInfo.ArgumentList)} did not finish in {timeoutMs / 1000} s; stdout: {Out}");
            }
            _p.WaitForExit(); // drains the redirected output
            return new CliResult(_p.ExitCode, Out, Err);
        }
    }

    /// <summary>SIGKILL: no chance to clean up.</summary>
    public void KillHard()
    {
        _p.Kill(entireProcessTree: true);
        _p.WaitForExit();
    }

    public void Signal(int signal) => Assert.Equal(0, FaultInjection.Kill(_p.Id, signal));

    public void Dispose() => _p.Dispose();
}
