using System.Text.Json;

namespace HeadRecon.Training;

/// <summary>Reads a run's metrics.jsonl into columns (iteration → value per key).</summary>
public static class MetricsLog
{
    public static Dictionary<string, List<(int Iteration, double Value)>> Read(string path)
    {
        var result = new Dictionary<string, List<(int, double)>>();
        if (!File.Exists(path)) return result;
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            int it = doc.RootElement.GetProperty("iteration").GetInt32();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Name == "iteration" || p.Value.ValueKind != JsonValueKind.Number) continue;
                if (!result.TryGetValue(p.Name, out var list)) result[p.Name] = list = [];
                list.Add((it, p.Value.GetDouble()));
            }
        }
        return result;
    }
}
