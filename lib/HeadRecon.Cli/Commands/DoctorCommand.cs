using System.CommandLine;
using HeadRecon.Runtime;

namespace HeadRecon.Cli.Commands;

public static class DoctorCommand
{
    public static Command Create()
    {
        var device = CliOptions.Device();
        var cmd = new Command("doctor", "Check TorchSharp/libtorch, device, the CPU paths in use (threads, FTZ/DAZ, MKL kernels, BF16), the launch environment and the gemm rate.") { device };
        cmd.SetAction(parse =>
        {
            var checks = Doctor.Run(parse.GetValue(device)!);
            foreach (var c in checks)
            {
                Console.WriteLine($"{(!c.Ok ? "FAIL" : c.Warning ? "warn" : "ok  ")}  {c.Name,-20} {c.Value}");
                if ((!c.Ok || c.Warning) && c.Hint is not null) Console.WriteLine($"      {"",-20} hint: {c.Hint}");
            }
            bool ok = checks.All(c => c.Ok);
            bool warned = checks.Any(c => c.Warning);
            Console.WriteLine(!ok ? "headrecon doctor: problems found (see FAIL lines)."
                : warned ? "headrecon doctor: works, with warnings (see warn lines)." : "headrecon doctor: everything looks fine.");
            return ok ? 0 : 1;
        });
        return cmd;
    }
}
