using System.Globalization;
using System.Text;
using HeadRecon.Config;
using HeadRecon.Data.Synthetic;
using HeadRecon.Evaluation;
using HeadRecon.IO;
using HeadRecon.Notebooks;
using HeadRecon.Training;

namespace HeadRecon.Reporting;

/// <summary>report.md and report.html of a quickstart run: what was reconstructed from what, the metrics against the
/// targets, identity discrimination, held-out views, renders, meshes, error maps, loss curves and a turntable.</summary>
public static class QuickstartReport
{
    public sealed record Inputs(string Root, string Identity, PretrainedTemplate Template, HeadConf Stage1Conf,
        IReadOnlyList<ReconstructionScore> Scores, IReadOnlyDictionary<string, IdentityDiscrimination> Discrimination,
        IReadOnlyList<HeldOutComparison> Views, IReadOnlyDictionary<string, StageTiming> Timings, TimeSpan Total);

    static readonly Dictionary<string, string> Titles = new()
    {
        ["stage1"] = "stage 1 (template fine-tuned)", ["stage2"] = "stage 2 (+ displacement)", ["baseline"] = "baseline (VolSDF from scratch)",
    };

    public static string Write(Inputs r)
    {
        var ci = CultureInfo.InvariantCulture;
        string F(double v, string f = "F4") => v.ToString(f, ci);
        double mm = SyntheticHead.MillimetresPerUnit;
        var md = new StringBuilder();
        var st2 = r.Scores.Single(s => s.Name == "stage2");
        var st1 = r.Scores.Single(s => s.Name == "stage1");
        var baseline = r.Scores.SingleOrDefault(s => s.Name == "baseline");
        md.AppendLine("# HeadNotebooks quickstart report").AppendLine();
        md.AppendLine($"An unseen person, synthetic identity **{r.Identity}**, reconstructed from **{r.Stage1Conf.Dataset.FineTuneView} views** at " +
            $"{r.Stage1Conf.Dataset.ImgRes[0]}² with the pre-trained template `{Path.GetFileName(r.Template.Root)}` (trained on {r.Template.Training.Count} other people " +
            "of the same family): stage 1 fits the person's shape code and deformation of the frozen template, stage 2 adds the displacement field. ");
        md.AppendLine($"Total {F(r.Total.TotalMinutes, "F1")} min on {Environment.ProcessorCount} cores; " + string.Join("; ",
            r.Timings.Select(kv => $"{Titles[kv.Key]}: {kv.Value.Iterations} iterations in {F(kv.Value.TrainSeconds, "F0")} s")) + ".").AppendLine();

        md.AppendLine("## Geometry against the ground truth").AppendLine();
        md.AppendLine($"Chamfer = mean of the two directed mean surface distances (100k samples each), in the family's units ({mm} mm each) and in mm. " +
            "Face region: H3DS's, the surface within 95 mm of the ground truth's nose tip. Identity ratio: the nearest other identity's Chamfer " +
            "over the own one — how many times closer the reconstruction is to its own person than to anyone else.").AppendLine();
        md.AppendLine("| reconstruction | Chamfer | / GT diagonal | Chamfer (mm) | face Chamfer (mm) | F@1 % diag | normal consistency | identity ratio | identity ratio, face |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var s in r.Scores)
        {
            var d = r.Discrimination[s.Name];
            md.AppendLine(CultureInfo.InvariantCulture, $"| {Titles[s.Name]} | {F(s.Head.Chamfer)} | {F(s.Head.ChamferOverDiagonal, "P2")} | {F(s.Head.Chamfer * mm, "F2")} | " +
                $"{(s.Face is { } f ? F(f.Chamfer * mm, "F2") : "–")} | {F(s.Head.FScores[1].F, "F3")} | {F(s.Head.NormalConsistency, "F3")} | {F(d.Ratio, "F2")}× | {(d.FaceRatio is double fr ? F(fr, "F2") + "×" : "–")} |");
        }
        md.AppendLine();
        var d2 = r.Discrimination["stage2"];
        md.AppendLine("Targets:").AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- stage-2 Chamfer ≤ 1.0 % of the GT diagonal ({F(st2.Head.GroundTruthDiagonal, "F3")}): {F(st2.Head.ChamferOverDiagonal, "P2")}, **{Verdict(st2.Head.ChamferOverDiagonal <= 0.01)}**");
        md.AppendLine(CultureInfo.InvariantCulture, $"- at least 2× closer to its own ground truth than to any other identity's: {F(d2.Ratio, "F2")}× (nearest other: {d2.NearestOther.Identity}), **{Verdict(d2.Ratio >= 2)}**");
        if (st1.Face is { } f1 && st2.Face is { } f2)
            md.AppendLine(CultureInfo.InvariantCulture, $"- stage 2 beats stage 1 in the face region: {F(f2.Chamfer * mm, "F2")} mm against {F(f1.Chamfer * mm, "F2")} mm, **{Verdict(f2.Chamfer < f1.Chamfer)}**");
        if (baseline?.Face is { } fb && st2.Face is { } f2b)
            md.AppendLine(CultureInfo.InvariantCulture, $"- the template path beats VolSDF from scratch at equal wall time in the face region: {F(f2b.Chamfer * mm, "F2")} mm against {F(fb.Chamfer * mm, "F2")} mm, **{Verdict(f2b.Chamfer < fb.Chamfer)}**");
        md.AppendLine();

        md.AppendLine("### Distance of the stage-2 reconstruction to every identity's ground truth").AppendLine();
        md.AppendLine("| identity | Chamfer | face Chamfer (mm) |").AppendLine("|---|---|---|");
        foreach (var d in d2.Distances.OrderBy(d => d.Chamfer))
            md.AppendLine(CultureInfo.InvariantCulture, $"| {(d.Identity == r.Identity ? $"**{d.Identity} (own)**" : d.Identity)} | {F(d.Chamfer)} | {(d.FaceChamfer is double fc ? F(fc * mm, "F2") : "–")} |");
        md.AppendLine();

        if (r.Views.Count > 0)
        {
            md.AppendLine("## Held-out views (not used for training)").AppendLine();
            md.AppendLine("| view | PSNR stage 1 (dB) | PSNR stage 2 (dB) | SSIM stage 2 | size |").AppendLine("|---|---|---|---|---|");
            foreach (var v in r.Views) md.AppendLine(CultureInfo.InvariantCulture, $"| {v.View} | {F(v.Stage1.Psnr, "F2")} | {F(v.Stage2.Psnr, "F2")} | {F(v.Stage2.Ssim, "F3")} | {v.Stage2.Width}×{v.Stage2.Height} |");
            md.AppendLine(CultureInfo.InvariantCulture, $"| mean | {F(r.Views.Average(v => v.Stage1.Psnr), "F2")} | {F(r.Views.Average(v => v.Stage2.Psnr), "F2")} | {F(r.Views.Average(v => v.Stage2.Ssim), "F3")} | |").AppendLine();
            md.AppendLine("Each row: ground truth | stage-1 render | stage-2 render | stage-1 normal map | stage-2 normal map.").AppendLine();
            md.AppendLine("![held-out views](figures/views.png)").AppendLine();
        }
        md.AppendLine("## Meshes").AppendLine();
        md.AppendLine("Front, 45° and profile. Rows: the template alone | " + string.Join(" | ", r.Scores.Select(s => Titles[s.Name])) + " | ground truth.").AppendLine();
        md.AppendLine("![meshes](figures/meshes.png)").AppendLine();
        md.AppendLine("Distance to the ground truth on the surface (blue 0 → red at the 95th percentile of each mesh's distances):").AppendLine();
        foreach (var s in r.Scores) md.AppendLine(CultureInfo.InvariantCulture, $"{Titles[s.Name]}: ![error {s.Name}](figures/error_{s.Name}.png)").AppendLine();
        md.AppendLine("Turntable of stage 2 between the two outermost cameras:").AppendLine();
        md.AppendLine("![turntable](figures/turntable.gif)").AppendLine();
        md.AppendLine("## Loss curves (log scale: loss, rgb, eikonal)").AppendLine();
        md.AppendLine("Stage 1: ![stage 1](figures/loss_stage1.png)").AppendLine();
        md.AppendLine("Stage 2: ![stage 2](figures/loss_stage2.png)").AppendLine();
        md.AppendLine("## Files").AppendLine();
        md.AppendLine($"- meshes: " + string.Join(", ", r.Scores.Select(s => $"`meshes/{s.Name}_{r.Identity}.ply`")) + ", `meshes/template.ply`");
        md.AppendLine(CultureInfo.InvariantCulture, $"- ground truth: `heads/gt/<id>.ply` and `heads/gt/<id>_landmarks.json` for all {r.Template.Identities.Count} identities of the family");
        md.AppendLine("- runs: `stage1/`, `stage2/`" + (baseline is null ? "" : ", `baseline/`") + " (conf.conf, metrics.jsonl, checkpoints/)");
        md.AppendLine("- `metrics.json`");
        string mdPath = Path.Combine(r.Root, "report.md");
        AtomicFile.WriteAllText(mdPath, md.ToString());
        AtomicFile.WriteAllText(Path.Combine(r.Root, "report.html"), ToHtml(md.ToString()));
        return mdPath;
    }

    static string Verdict(bool met) => met ? "met" : "not met";

    /// <summary>The report's Markdown as a standalone page (Markdig, the notebook pages' pipeline).</summary>
    internal static string ToHtml(string md) =>
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>HeadNotebooks quickstart</title>" +
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}img{image-rendering:pixelated;max-width:100%}</style></head><body>\n" +
        Markdig.Markdown.ToHtml(md, NotebookPage.Markdown) + "</body></html>\n";
}
