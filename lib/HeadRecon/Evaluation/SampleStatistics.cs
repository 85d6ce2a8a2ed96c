using System.Globalization;

namespace HeadRecon.Evaluation;

/// <summary>Count, mean, sample standard deviation (n − 1), minimum and maximum of repeated measurements (runs over seeds or people).</summary>
public readonly record struct SampleStatistics(int Count, double Mean, double Sd, double Min, double Max)
{
    /// <summary>The statistics of <paramref name="values"/>; NaN everywhere for none, sd 0 for one.</summary>
    public static SampleStatistics Of(IEnumerable<double> values)
    {
        var v = values.ToList();
        if (v.Count == 0) return new(0, double.NaN, double.NaN, double.NaN, double.NaN);
        double mean = v.Average();
        double sd = v.Count > 1 ? Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Count - 1)) : 0;
        return new(v.Count, mean, sd, v.Min(), v.Max());
    }

    /// <summary>"mean ± sd" in <paramref name="format"/>, invariant culture.</summary>
    public string MeanSd(string format) => string.Create(CultureInfo.InvariantCulture, $"{Mean.ToString(format, CultureInfo.InvariantCulture)} ± {Sd.ToString(format, CultureInfo.InvariantCulture)}");

    /// <summary>"mean ± sd (min–max)" in <paramref name="format"/>, or "–" for no values.</summary>
    public string MeanSdRange(string format) => Count == 0 ? "–"
        : string.Create(CultureInfo.InvariantCulture, $"{MeanSd(format)} ({Min.ToString(format, CultureInfo.InvariantCulture)}–{Max.ToString(format, CultureInfo.InvariantCulture)})");
}
