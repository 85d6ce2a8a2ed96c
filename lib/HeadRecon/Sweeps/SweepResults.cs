using System.Globalization;
using System.Text;
using HeadRecon.Visualization;

namespace HeadRecon.Sweeps;

/// <summary>One row of the sweep's table: a run, its state, its settings and (when done) its final metrics.</summary>
public sealed record ResultRow(SweepRun Run, RunState State, RunResult? Result);

/// <summary>Where `sweep collect` wrote the table, and the metric its plot shows.</summary>
public sealed record CollectedResults(IReadOnlyList<ResultRow> Rows, IReadOnlyList<string> Columns, string Csv, string Markdown, string? Plot, string? PlotMetric);

/// <summary>
/// `headrecon sweep collect`: every run's final metrics in one table (results.csv for notebooks and spreadsheets,
/// results.md to read, results.png: one bar per run for one metric) in the sweep's _sweep folder. Runs not done are
/// rows with their state and empty metrics, so a gap shows. Evaluation metrics (chamfer, F-scores, held-out PSNR…)
/// come first, then the training metrics (train_*: the mean of the last logged iterations).
/// </summary>
public static class SweepResults
{
    /// <summary>The plot's default metric: the first of these a run has.</summary>
    static readonly string[] PreferredMetrics = ["chamfer", "heldout_psnr", "train_psnr", "train_loss"];

    public static CollectedResults Collect(SweepPlan plan, string? metric = null, IReadOnlyDictionary<int, SchedulerInfo>? scheduler = null)
    {
        var rows = SweepStatus.Read(plan, scheduler).Where(s => !s.Run.IsStage1)
            .Select(s => new ResultRow(s.Run, s.State, s.State == RunState.Done ? SweepTask.ReadResult(s.Run.Folder) : null)).ToList();
        var settingColumns = plan.Runs.SelectMany(r => r.Settings.Select(s => s.Column)).Distinct().ToList();
        var metricColumns = rows.Where(r => r.Result is not null).SelectMany(r => r.Result!.Metrics.Keys).Distinct()
            .OrderBy(k => k.StartsWith("train_", StringComparison.Ordinal) || k == "s_per_it" ? 1 : 0).ToList();
        if (metric is not null && !metricColumns.Contains(metric))
            throw new ArgumentException($"--metric {metric}: no run has it (metrics: {(metricColumns.Count == 0 ? "none yet, no run is done" : string.Join(", ", metricColumns))})");
        metric ??= PreferredMetrics.FirstOrDefault(metricColumns.Contains);
        var columns = new List<string> { "index", "name", "state" };
        columns.AddRange(settingColumns);
        columns.AddRange(["iterations", "total_iterations", "train_seconds", "attempts"]);
        columns.AddRange(metricColumns);
        columns.Add("eval_error");

        var table = rows.Select(r => Cells(r, settingColumns, metricColumns)).ToList();
        Directory.CreateDirectory(plan.MetaDir);
        string csv = Path.Combine(plan.MetaDir, "results.csv");
        IO.AtomicFile.WriteAllText(csv, string.Join('\n', new[] { columns }.Concat(table).Select(c => string.Join(',', c.Select(CsvField)))) + "\n");
        string? plot = null;
        if (metric is not null)
        {
            plot = Path.Combine(plan.MetaDir, "results.png");
            var values = rows.Select(r => r.Result?.Metrics.GetValueOrDefault(metric, double.NaN) ?? double.NaN).ToList();
            // Bars of one colour per variant (or identity): the comparison an ablation is after.
            string? groupBy = settingColumns.Contains("variant") ? "variant" : settingColumns.FirstOrDefault();
            var groupNames = groupBy is null ? [] : plan.Runs.Select(r => Setting(r, groupBy)).Distinct().ToList();
            var groups = rows.Select(r => groupBy is null ? 0 : groupNames.IndexOf(Setting(r.Run, groupBy))).ToList();
            using var img = BarChart.Draw(values, groups);
            Images.SavePng(img, plot);
        }
        string md = Path.Combine(plan.MetaDir, "results.md");
        IO.AtomicFile.WriteAllText(md, Markdown(plan, rows, columns, table, metric));
        return new CollectedResults(rows, columns, csv, md, plot, metric);
    }

    static string Setting(SweepRun r, string column) => r.Settings.FirstOrDefault(s => s.Column == column).Value ?? "";

    static List<string> Cells(ResultRow r, List<string> settingColumns, List<string> metricColumns)
    {
        var c = new List<string> { r.Run.Index.ToString(CultureInfo.InvariantCulture), r.Run.Name, r.State.ToString().ToLowerInvariant() };
        c.AddRange(settingColumns.Select(s => Setting(r.Run, s)));
        var res = r.Result;
        c.Add(res is null ? "" : res.Iterations.ToString(CultureInfo.InvariantCulture));
        c.Add(res is null ? "" : res.TotalIterations.ToString(CultureInfo.InvariantCulture));
        c.Add(res is null ? "" : res.TrainSeconds.ToString("F1", CultureInfo.InvariantCulture));
        c.Add(res is null ? "" : res.Attempts.ToString(CultureInfo.InvariantCulture));
        c.AddRange(metricColumns.Select(m => res is not null && res.Metrics.TryGetValue(m, out double v) ? v.ToString("R", CultureInfo.InvariantCulture) : ""));
        c.Add(res?.EvalError ?? "");
        return c;
    }

    static string CsvField(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    static string Markdown(SweepPlan plan, List<ResultRow> rows, List<string> columns, List<List<string>> table, string? metric)
    {
        var sb = new StringBuilder();
        int done = rows.Count(r => r.State == RunState.Done);
        sb.AppendLine(CultureInfo.InvariantCulture, $"# Sweep {plan.Spec.Name}: {done} of {rows.Count} runs done").AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Base configuration `{plan.Spec.BaseConf}`, runs in `{plan.Spec.OutDir}`. Training metrics (train_*) are the mean of the last {SweepTask.FinalWindow} logged iterations.").AppendLine();
        // Empty columns (e.g. eval_error when every evaluation worked) are left out of the Markdown; the CSV keeps them.
        var keep = Enumerable.Range(0, columns.Count).Where(i => table.Any(row => row[i].Length > 0)).ToList();
        sb.AppendLine("| " + string.Join(" | ", keep.Select(i => columns[i])) + " |");
        sb.AppendLine("|" + string.Concat(keep.Select(_ => "---|")));
        foreach (var row in table)
            sb.AppendLine("| " + string.Join(" | ", keep.Select(i => Short(row[i]).Replace("|", "\\|"))) + " |");
        if (metric is not null)
            sb.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"![{metric} per run](results.png)").AppendLine().AppendLine(CultureInfo.InvariantCulture, $"results.png: {metric} per run, bar i = index i, one colour per {(plan.Runs.Any(r => r.Settings.Any(s => s.Column == "variant")) ? "variant" : "value of the first setting")}.");
        return sb.ToString();
    }

    /// <summary>Numbers to 4 significant digits for reading; the CSV keeps every digit.</summary>
    static string Short(string cell) =>
        double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && cell.Contains('.') ? v.ToString("G4", CultureInfo.InvariantCulture) : cell;
}
