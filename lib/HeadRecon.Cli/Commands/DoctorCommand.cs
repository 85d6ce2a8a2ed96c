using System.CommandLine;
using HeadRecon.Runtime;

namespace HeadRecon.Cli.Commands;

public static class DoctorCommand
{
    public static Command Create()
    {
        var device = CliOptions.Device();
        var cmd = new Command("doctor", "Check TorchSharp/libtorch, device, threads, FTZ/DAZ and the launch environment.") { device };
        cmd.SetAction(parse =>
        {
            var checks = Doctor.Run(parse.GetValue(device)!);
            foreach (var c in checks)
            {
                Console.WriteLine($"{(c.Ok ? "ok  " : "FAIL")}  {c.Name,-20} {c.Value}");
                if (!c.Ok && c.Hint is not null) Console.WriteLine($"      {"",-20} hint: {c.Hint}");
            }
            bool ok = checks.All(c => c.Ok);
            Console.WriteLine(ok ? "headrecon doctor: everything looks fine." : "headrecon doctor: problems found (see FAIL lines).");
            return ok ? 0 : 1;
        });
        return cmd;
    }
}
