using System.CommandLine;
using HeadRecon.Training;

namespace HeadRecon.Cli.Commands;

/// <summary>`headrecon template pack RUN --out DIR` and `headrecon template check DIR`: the shipped pre-trained template.</summary>
public static class TemplateCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("RUN") { Description = "a finished stage-1 run trained on a synthetic family (headrecon synth --held-out …)" };
        var output = new Option<string>("--out") { Description = "template folder to write (must be empty)", DefaultValueFactory = _ => PretrainedTemplate.DefaultPath };
        var pack = new Command("pack", "Make a template folder from a stage-1 run: conf, checkpoint, metrics, family, landmarks, checksum.") { run, output };
        pack.SetAction(p =>
        {
            var t = PretrainedTemplate.Pack(p.GetValue(run)!, p.GetValue(output)!);
            Console.WriteLine($"{t.Root}: template of {t.Training.Count} identities ({string.Join(", ", t.HeldOut)} held out), checkpoint {new FileInfo(t.Checkpoint).Length / 1e6:F1} MB, sha256 {PretrainedTemplate.Sha256(t.Checkpoint)}");
            return 0;
        });
        var dir = new Argument<string>("DIR") { Description = "template folder", DefaultValueFactory = _ => PretrainedTemplate.DefaultPath };
        var check = new Command("check", "Verify a template folder (checksum, checkpoint hash, family files).") { dir };
        check.SetAction(p =>
        {
            var t = PretrainedTemplate.Open(p.GetValue(dir)!);
            Console.WriteLine($"{t.Root}: ok ({t.Training.Count} pre-training identities, held out {string.Join(", ", t.HeldOut)})");
            return 0;
        });
        return new Command("template", "The pre-trained template: pack a run into a shipped template, or check one.") { pack, check };
    }
}
