using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using HeadRecon.Cli;
using HeadRecon.Cli.Commands;
using HeadRecon.Runtime;

// Some settings only work when present before the process starts (OpenMP reads OMP_WAIT_POLICY and glibc its
// malloc tunables at start-up): re-launch once with them set, unless the caller opted out.
var missing = TorchRuntime.MissingLaunchEnvironment().ToList();
if (missing.Count > 0 && Environment.GetEnvironmentVariable("HEADRECON_NO_RELAUNCH") is null && Environment.ProcessPath is not null)
{
    var self = SelfCommand.Arguments();
    var psi = new ProcessStartInfo(self[0]) { UseShellExecute = false };
    foreach (var a in self.Skip(1).Concat(args)) psi.ArgumentList.Add(a);
    foreach (var (k, v) in TorchRuntime.LaunchEnvironment) psi.Environment[k] = v;
    psi.Environment["HEADRECON_NO_RELAUNCH"] = "1";
    using var child = Process.Start(psi)!;
    // SIGTERM sent to this process alone (kill PID) goes on to the child, which checkpoints and stops; SIGINT from a
    // terminal reaches the whole process group, so the child already has it and this process only must not die of it.
    using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; Program.Signal(child.Id, 15); });
    using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true);
    child.WaitForExit();
    return child.ExitCode;
}

// Flush-to-zero before the first torch op, so that libtorch's worker threads inherit it.
TorchRuntime.Initialize();

var root = new RootCommand("headrecon — deformable-model-driven neural head reconstruction (template + deformation + displacement SDF, VolSDF rendering).")
{
    DoctorCommand.Create(),
    SynthCommand.Create(),
    TrainCommand.Create(),
    MeshCommand.Create(),
    EvalCommand.Create(),
    ImportCommand.Create(),
    AlignCommand.Create(),
    QuickstartCommand.Create(),
    BenchCommand.Create(),
    CompareCommand.Create(),
    SweepCommand.Create(),
    TemplateCommand.Create(),
    NotebooksCommand.Create(),
};
try
{
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (Program.UserError(ex) is string line)
{
    // One clear line naming the file or key; no stack trace for input and I/O errors.
    Console.Error.WriteLine($"headrecon: {line}");
    return 2;
}

public partial class Program
{
    /// <summary>The one line for an error caused by input or the file system (bad conf, missing or damaged file,
    /// permissions, full disk, a locked run), or null for a bug, which keeps its stack trace.</summary>
    internal static string? UserError(Exception ex)
    {
        if (ex is AggregateException { InnerExceptions.Count: 1 } agg) return UserError(agg.InnerExceptions[0]);
        bool user = ex is HeadRecon.Config.ConfException or HeadRecon.Data.DatasetException or IOException or InvalidDataException
            or UnauthorizedAccessException or ArgumentException or InvalidOperationException or HeadRecon.Training.NonFiniteLossException;
        if (!user) return null;
        string message = ex is UnauthorizedAccessException ? $"{ex.Message} (permission denied)" : ex.Message;
        return message.ReplaceLineEndings(" ");
    }

    internal static void Signal(int pid, int signal) => _ = kill(pid, signal);

    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);
}
