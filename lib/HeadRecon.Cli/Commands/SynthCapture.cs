using System.CommandLine;
using HeadRecon.Data.Synthetic;

namespace HeadRecon.Cli.Commands;

/// <summary>`headrecon synth --scene capture`: held-out synthetic captures with COLMAP models (CaptureSceneWriter).</summary>
public static class SynthCapture
{
    public static int Run(ParseResult parse, Option<string> outOpt, Option<int> idsOpt, Option<int?> resOpt, Option<int> seedOpt, Option<int> gtResOpt, Option<bool> noGtOpt, Option<double> noiseOpt)
    {
        var o = new CaptureSceneOptions(parse.GetValue(outOpt)!, parse.GetValue(idsOpt), parse.GetValue(resOpt) ?? 512, parse.GetValue(seedOpt),
            parse.GetValue(noiseOpt), parse.GetValue(gtResOpt), !parse.GetValue(noGtOpt));
        if (CaptureSceneWriter.Validate(o) is string problem)
        {
            Console.Error.WriteLine($"synth: {problem}");
            return 2;
        }
        var report = CaptureSceneWriter.Write(o, Console.WriteLine);
        Console.WriteLine($"wrote {report.Identities.Count} capture scenes to {o.OutDir} in {report.TotalTime.TotalSeconds:F1} s; next: headrecon import colmap {Path.Combine(o.OutDir, report.Identities[0], "colmap", "3")} --images {Path.Combine(o.OutDir, report.Identities[0], "images")} --masks {Path.Combine(o.OutDir, report.Identities[0], "masks")} --out SCENE");
        return 0;
    }
}
