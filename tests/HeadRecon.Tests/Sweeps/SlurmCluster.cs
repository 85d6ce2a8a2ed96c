using System.Diagnostics;

namespace HeadRecon.Tests.Sweeps;

/// <summary>
/// A real single-node Slurm cluster (munged, slurmctld, slurmd) started by the project's .ci/slurm-cluster in a temp
/// folder for one test, and stopped (jobs cancelled, daemons ended, nothing left) when disposed.
/// </summary>
public sealed class SlurmCluster : IDisposable
{
    readonly TempDir _dir = new();
    readonly string _script;
    bool _stopped;

    /// <summary>SLURM_CONF and the marker the cluster's processes carry: the environment for sbatch/squeue and the CLI.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public SlurmCluster()
    {
        _script = FindScript();
        var (code, stdout, stderr) = Run("bash", [_script, "start", _dir.Path]);
        if (code != 0) { Stop(); throw new InvalidOperationException($"slurm-cluster start failed ({code}): {stderr}{stdout}"); }
        Environment = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("SLURM_CONF=", StringComparison.Ordinal) || l.StartsWith("HEADRECON_SLURM_CLUSTER=", StringComparison.Ordinal))
            .Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        if (!Environment.ContainsKey("SLURM_CONF")) { Stop(); throw new InvalidOperationException("slurm-cluster start printed no SLURM_CONF: " + stdout); }
    }

    /// <summary>A Slurm client command (squeue, scontrol, …) against this cluster.</summary>
    public (int Code, string Out, string Err) Command(string exe, params string[] args) => Run(exe, args, Environment);

    public string Log(string daemon) => File.Exists(Path.Combine(_dir.Path, "log", daemon + ".log")) ? File.ReadAllText(Path.Combine(_dir.Path, "log", daemon + ".log")) : "";

    /// <summary>Stops the cluster; true when nothing of it is left running.</summary>
    public bool Stop()
    {
        if (_stopped) return true;
        _stopped = true;
        return Run("bash", [_script, "stop", _dir.Path]).Code == 0;
    }

    public void Dispose()
    {
        Stop();
        _dir.Dispose();
    }

    static (int Code, string Out, string Err) Run(string exe, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o, err.Result);
    }

    static string FindScript()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string s = Path.Combine(d.FullName, ".ci", "slurm-cluster");
            if (File.Exists(s)) return s;
        }
        throw new FileNotFoundException("no .ci/slurm-cluster above " + AppContext.BaseDirectory);
    }
}
