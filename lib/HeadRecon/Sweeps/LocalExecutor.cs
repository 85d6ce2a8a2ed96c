using System.Diagnostics;
using System.Runtime.InteropServices;

namespace HeadRecon.Sweeps;

/// <summary>
/// The sweep on this machine: stage 1 first (all cores) when the sweep trains it, then the runs not done, at most
/// <c>jobs</c> at a time, each as its own `headrecon sweep task` process (libtorch's generator and thread pool are
/// process-wide) with cores/jobs threads. A task's output goes to its run folder (task.log) and, prefixed with its name,
/// to the log. Cancelling passes SIGTERM on to the running tasks (they stop with a checkpoint) and starts no more.
/// </summary>
public static class LocalExecutor
{
    public sealed record Summary(int Done, int Stopped, int Failed, int Skipped);

    /// <param name="startInfo">The process for a task (the command line gives `headrecon sweep task FILE --name NAME`), given the run and its thread count.</param>
    public static Summary Run(SweepPlan plan, int jobs, Func<SweepRun, int, ProcessStartInfo> startInfo, Action<string> log, CancellationToken cancel = default)
    {
        if (jobs < 1) throw new ArgumentException($"-j {jobs}: need at least one task at a time");
        int done = 0, stopped = 0, failed = 0, skipped = 0;
        var todo = SweepStatus.Read(plan).Where(s => s.State != RunState.Done).Select(s => s.Run).ToList();
        skipped = plan.AllRuns.Count() - todo.Count;
        if (skipped > 0) log($"{skipped} run(s) already done");
        if (plan.Stage1 is { } st1 && todo.Remove(st1))
        {
            int code = RunAll(plan, [st1], 1, Environment.ProcessorCount, startInfo, log, cancel)[0];
            if (code != 0)
            {
                log($"stage 1 did not finish (exit {code}); its runs wait for it");
                return new Summary(0, code == SlurmExecutor.StoppedExitCode ? 1 : 0, code == SlurmExecutor.StoppedExitCode ? 0 : 1, skipped);
            }
            done++;
        }
        int threads = Math.Max(1, Environment.ProcessorCount / Math.Min(jobs, Math.Max(1, todo.Count)));
        foreach (int code in RunAll(plan, todo, jobs, threads, startInfo, log, cancel))
        {
            if (code == 0) done++;
            else if (code == SlurmExecutor.StoppedExitCode || code == NotStarted) stopped++;
            else failed++;
        }
        return new Summary(done, stopped, failed, skipped);
    }

    const int NotStarted = -1;

    static int[] RunAll(SweepPlan plan, List<SweepRun> runs, int jobs, int threads, Func<SweepRun, int, ProcessStartInfo> startInfo, Action<string> log, CancellationToken cancel)
    {
        var codes = Enumerable.Repeat(NotStarted, runs.Count).ToArray();
        var running = new List<(int Slot, Process Process, StreamWriter Log)>();
        int next = 0;
        using var forward = cancel.Register(() =>
        {
            lock (running) foreach (var (_, p, _) in running) SendTerm(p);
        });
        while (true)
        {
            lock (running)
            {
                while (!cancel.IsCancellationRequested && running.Count < jobs && next < runs.Count)
                {
                    var run = runs[next];
                    Directory.CreateDirectory(run.Folder);
                    var taskLog = new StreamWriter(new FileStream(Path.Combine(run.Folder, "task.log"), FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
                    var psi = startInfo(run, threads);
                    psi.RedirectStandardOutput = psi.RedirectStandardError = true;
                    psi.UseShellExecute = false;
                    var p = new Process { StartInfo = psi };
                    void Line(string? line)
                    {
                        if (line is null) return;
                        lock (taskLog) taskLog.WriteLine(line);
                        log($"[{run.Name}] {line}");
                    }
                    p.OutputDataReceived += (_, e) => Line(e.Data);
                    p.ErrorDataReceived += (_, e) => Line(e.Data);
                    p.Start();
                    p.BeginOutputReadLine();
                    p.BeginErrorReadLine();
                    log($"started {run.Name} ({(run.IsStage1 ? "stage 1" : $"{run.Index + 1}/{plan.Runs.Count}")}, {threads} thread(s)), pid {p.Id}");
                    running.Add((next, p, taskLog));
                    next++;
                }
                if (running.Count == 0) break;
            }
            Thread.Sleep(200);
            lock (running)
            {
                foreach (var r in running.Where(r => r.Process.HasExited).ToList())
                {
                    r.Process.WaitForExit(); // drains the output
                    codes[r.Slot] = r.Process.ExitCode;
                    r.Log.Dispose();
                    r.Process.Dispose();
                    running.Remove(r);
                    log($"{runs[r.Slot].Name}: {(codes[r.Slot] == 0 ? "done" : codes[r.Slot] == SlurmExecutor.StoppedExitCode ? "stopped (resumable)" : $"failed (exit {codes[r.Slot]}, see {Path.Combine(runs[r.Slot].Folder, "task.log")})")}");
                }
            }
        }
        return codes;
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    static extern int Kill(int pid, int signal);

    /// <summary>SIGTERM (what Slurm and Kubernetes send before a kill): the task writes a checkpoint and exits 75.</summary>
    public static void SendTerm(Process p)
    {
        try
        {
            if (p.HasExited) return;
        }
        catch (InvalidOperationException) { return; } // not started
        const int Esrch = 3; // exited meanwhile
        if (Kill(p.Id, 15) != 0 && Marshal.GetLastPInvokeError() is int errno and not Esrch)
            throw new IOException($"kill -TERM {p.Id}: errno {errno}");
    }
}
