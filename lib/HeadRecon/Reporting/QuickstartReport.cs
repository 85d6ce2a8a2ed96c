using System.Globalization;
using System.Text;
using HeadRecon.Evaluation;
using HeadRecon.IO;
using static HeadRecon.Pipelines.Quickstart;

namespace HeadRecon.Reporting;

/// <summary>report.md and report.html of a quickstart run: metrics table, renders, turntable, loss curves.</summary>
public static class QuickstartReport
{
    public static string Write(string root, string conf1, string conf2, string identity, MeshComparison stage1, MeshComparison stage2,
        IReadOnlyList<ViewScore> views, StageTiming t1, StageTiming t2, TimeSpan total)
    {
        var ci = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# HeadNotebooks quickstart report").AppendLine();
        md.AppendLine($"Synthetic identity **{identity}**, reconstructed from 15 views: stage 1 ({Path.GetFileName(conf1)}) then stage 2 ({Path.GetFileName(conf2)}). ");
        md.AppendLine($"Total time {total.TotalMinutes.ToString("F1", ci)} min (stage 1: {t1.Iterations} iterations, {t1.Seconds.ToString("F0", ci)} s; stage 2: {t2.Iterations} iterations, {t2.Seconds.ToString("F0", ci)} s) on {Environment.ProcessorCount} cores.").AppendLine();
        md.AppendLine("## Geometry against the ground truth (dataset units)").AppendLine();
        md.AppendLine("| mesh | Chamfer | Chamfer / GT diagonal | accuracy | completeness | " + string.Join(" | ", stage2.FScores.Select(f => $"F@{f.Threshold.ToString("G3", ci)}")) + " | normal consistency |");
        md.AppendLine("|---|---|---|---|---|" + string.Concat(stage2.FScores.Select(_ => "---|")) + "---|");
        foreach (var (name, c) in new[] { ("stage 1", stage1), ("stage 2", stage2) })
            md.AppendLine($"| {name} | {c.Chamfer.ToString("F4", ci)} | {c.ChamferOverDiagonal.ToString("P2", ci)} | {c.Accuracy.ToString("F4", ci)} | {c.Completeness.ToString("F4", ci)} | " +
                string.Join(" | ", c.FScores.Select(f => f.F.ToString("F3", ci))) + $" | {c.NormalConsistency.ToString("F3", ci)} |");
        md.AppendLine().AppendLine($"Target: Chamfer ≤ 2 % of the GT bounding-box diagonal ({stage2.GroundTruthDiagonal.ToString("F3", ci)}): **{(stage2.ChamferOverDiagonal <= 0.02 ? "met" : "not met")}**.").AppendLine();
        if (views.Count > 0)
        {
            md.AppendLine("## Held-out views (not used for training)").AppendLine();
            md.AppendLine("| view | PSNR (dB) | SSIM | size |").AppendLine("|---|---|---|---|");
            foreach (var v in views) md.AppendLine($"| {v.View} | {v.Psnr.ToString("F2", ci)} | {v.Ssim.ToString("F3", ci)} | {v.Width}×{v.Height} |");
            md.AppendLine($"| mean | {views.Average(v => v.Psnr).ToString("F2", ci)} | {views.Average(v => v.Ssim).ToString("F3", ci)} | |").AppendLine();
        }
        md.AppendLine("## Renders").AppendLine();
        md.AppendLine("Frontal view: rendering | ground truth | normal map | SDF slice x = 0 (zero level black).").AppendLine();
        md.AppendLine("![views](figures/views.png)").AppendLine();
        md.AppendLine("Turntable between the two outermost cameras (colour | normals):").AppendLine();
        md.AppendLine("![turntable](figures/turntable.gif)").AppendLine();
        md.AppendLine("## Loss curves (log scale: loss, rgb, eikonal)").AppendLine();
        md.AppendLine("Stage 1: ![stage 1](figures/loss_stage1.png)").AppendLine();
        md.AppendLine("Stage 2: ![stage 2](figures/loss_stage2.png)").AppendLine();
        md.AppendLine("## Files").AppendLine();
        md.AppendLine($"- meshes: `meshes/stage1_{identity}.ply`, `meshes/stage2_{identity}.ply` (vertex colours), `meshes/template.ply`; ground truth `heads/gt/{identity}.ply`");
        md.AppendLine("- runs: `stage1/`, `stage2/` (conf.conf, metrics.jsonl, checkpoints/, snapshots/)");
        md.AppendLine("- `metrics.json`");
        string mdPath = Path.Combine(root, "report.md");
        AtomicFile.WriteAllText(mdPath, md.ToString());
        AtomicFile.WriteAllText(Path.Combine(root, "report.html"), ToHtml(md.ToString()));
        return mdPath;
    }

    /// <summary>A small Markdown-to-HTML conversion for exactly what the report uses (headings, tables, images, lists, bold).</summary>
    static string ToHtml(string md)
    {
        var html = new StringBuilder("<!doctype html><html><head><meta charset=\"utf-8\"><title>HeadNotebooks quickstart</title>" +
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em}img{image-rendering:pixelated;max-width:100%}</style></head><body>\n");
        bool inTable = false, inList = false;
        foreach (var raw in md.Split('\n'))
        {
            string line = System.Net.WebUtility.HtmlEncode(raw.TrimEnd());
            line = System.Text.RegularExpressions.Regex.Replace(line, @"!\[([^\]]*)\]\(([^)]*)\)", "<img alt=\"$1\" src=\"$2\">");
            line = System.Text.RegularExpressions.Regex.Replace(line, @"\*\*([^*]+)\*\*", "<b>$1</b>");
            line = System.Text.RegularExpressions.Regex.Replace(line, @"`([^`]+)`", "<code>$1</code>");
            if (line.StartsWith('|'))
            {
                if (line.Contains("---")) continue;
                if (!inTable) { html.Append("<table>"); inTable = true; }
                html.Append("<tr>").Append(string.Concat(line.Trim('|').Split('|').Select(c => $"<td>{c.Trim()}</td>"))).Append("</tr>\n");
                continue;
            }
            if (inTable) { html.Append("</table>\n"); inTable = false; }
            if (line.StartsWith("- ")) { if (!inList) { html.Append("<ul>"); inList = true; } html.Append($"<li>{line[2..]}</li>\n"); continue; }
            if (inList) { html.Append("</ul>\n"); inList = false; }
            if (line.StartsWith("## ")) html.Append($"<h2>{line[3..]}</h2>\n");
            else if (line.StartsWith("# ")) html.Append($"<h1>{line[2..]}</h1>\n");
            else if (line.Length > 0) html.Append($"<p>{line}</p>\n");
        }
        if (inTable) html.Append("</table>");
        if (inList) html.Append("</ul>");
        return html.Append("</body></html>\n").ToString();
    }
}
