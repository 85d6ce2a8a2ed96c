using System.CommandLine;
using System.Diagnostics;
using HeadRecon.Cli.Commands;
using HeadRecon.Runtime;

// Some settings only work when present before the process starts (OpenMP reads OMP_WAIT_POLICY and glibc its
// malloc tunables at start-up): re-launch once with them set, unless the caller opted out.
var missing = TorchRuntime.MissingLaunchEnvironment().ToList();
if (missing.Count > 0 && Environment.GetEnvironmentVariable("HEADRECON_NO_RELAUNCH") is null && Environment.ProcessPath is string self)
{
    var psi = new ProcessStartInfo(self) { UseShellExecute = false };
    if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(Program).Assembly.Location);
    foreach (var a in args) psi.ArgumentList.Add(a);
    foreach (var (k, v) in TorchRuntime.LaunchEnvironment) psi.Environment[k] = v;
    psi.Environment["HEADRECON_NO_RELAUNCH"] = "1";
    using var child = Process.Start(psi)!;
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
};
try
{
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (ex is HeadRecon.Config.ConfException or HeadRecon.Data.DatasetException or FileNotFoundException or DirectoryNotFoundException
                           or InvalidDataException or ArgumentException or IOException or InvalidOperationException or HeadRecon.Training.NonFiniteLossException)
{
    // One clear line naming the file or key; no stack trace for input errors.
    Console.Error.WriteLine($"headrecon: {ex.Message}");
    return 2;
}

public partial class Program;
