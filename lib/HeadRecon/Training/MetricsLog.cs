using System.Text.Json;

namespace HeadRecon.Training;

/// <summary>The one reader of a run's metrics.jsonl (one JSON object per logged iteration, written by <see cref="Trainer"/>).</summary>
public static class MetricsLog
{
    /// <summary>Every logged record, in file order, with its numeric fields ("iteration" included); a last line cut off
    /// mid-write (a killed or still running writer) is left out. No file: no records.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, double>> Rows(string path)
    {
        var rows = new List<IReadOnlyDictionary<string, double>>();
        if (!File.Exists(path)) return rows;
        string[] lines;
        using (var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        using (var r = new StreamReader(s))
            lines = r.ReadToEnd().Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(lines[i]); }
            catch (JsonException) when (i == lines.Length - 1) { break; }
            catch (JsonException e) { throw new InvalidDataException($"{path}:{i + 1}: not a metrics record ({e.Message})", e); }
            using (doc)
            {
                var row = new Dictionary<string, double>(StringComparer.Ordinal);
                foreach (var p in doc.RootElement.EnumerateObject())
                    if (p.Value.ValueKind == JsonValueKind.Number) row[p.Name] = p.Value.GetDouble();
                rows.Add(row);
            }
        }
        return rows;
    }

    /// <summary>The iteration a metrics.jsonl line records, or null when the line is not a complete record.</summary>
    public static int? IterationOf(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.TryGetProperty("iteration", out var it) && it.TryGetInt32(out int v) ? v : null;
        }
        catch (JsonException) { return null; }
    }

    /// <summary>The records as columns: for each metric, (iteration, value) in file order.</summary>
    public static Dictionary<string, List<(int Iteration, double Value)>> Read(string path)
    {
        var result = new Dictionary<string, List<(int, double)>>();
        foreach (var row in Rows(path))
        {
            int it = (int)row.GetValueOrDefault("iteration");
            foreach (var (name, value) in row)
            {
                if (name == "iteration") continue;
                if (!result.TryGetValue(name, out var list)) result[name] = list = [];
                list.Add((it, value));
            }
        }
        return result;
    }

    /// <summary>Seconds of training a run's log accounts for: the logged per-iteration times × the log interval (approximate).</summary>
    public static double TrainingSeconds(string path)
    {
        var rows = Rows(path);
        if (rows.Count == 0) return 0;
        double every = rows.Count > 1 ? rows[1]["iteration"] - rows[0]["iteration"] : 1;
        return rows.Sum(r => r.GetValueOrDefault("seconds")) * every;
    }
}
