using System.Globalization;
using static TorchSharp.torch;

namespace HeadRecon.Parity;

/// <summary>One comparison of a check: the worst element and the tolerance it was held to.</summary>
public sealed record Comparison(string What, double MaxDiff, double Atol, double Rtol, long Bad, long Count, int AllowedOutliers, string? Problem = null)
{
    public bool Passed => Problem is null && Bad <= AllowedOutliers;

    public string Describe() => Problem is not null
        ? $"{What}: {Problem}"
        : $"{What}: {Bad} of {Count} elements differ beyond atol {Atol.ToString("g", CultureInfo.InvariantCulture)} rtol {Rtol.ToString("g", CultureInfo.InvariantCulture)}" +
          $"{(AllowedOutliers > 0 ? $" ({AllowedOutliers} allowed)" : "")}; max |diff| = {MaxDiff.ToString("g", CultureInfo.InvariantCulture)}";

    /// <summary>|actual − expected| ≤ atol + rtol·|expected| elementwise (NaN fails), on the CPU in float64 whatever the devices.</summary>
    public static Comparison Of(Tensor expected, Tensor actual, double atol, double rtol = 0, string what = "", int allowedOutliers = 0)
    {
        using var scope = NewDisposeScope();
        if (actual.shape.Length == expected.shape.Length && !actual.shape.SequenceEqual(expected.shape) || actual.numel() != expected.numel())
            return new Comparison(what, double.NaN, atol, rtol, expected.numel(), expected.numel(), allowedOutliers,
                $"shape ({string.Join(", ", actual.shape)}) where ({string.Join(", ", expected.shape)}) was expected");
        var e = expected.detach().to(float64).cpu();
        var a = actual.detach().reshape(expected.shape).to(float64).cpu();
        var diff = (a - e).abs();
        var bad = (diff > atol + rtol * e.abs()) | a.isnan();
        // One copy to the host for both numbers.
        var stats = stack([bad.sum().to(float64), diff.numel() == 0 ? zeros(1, float64).squeeze() : diff.nan_to_num(double.PositiveInfinity).max()]).data<double>().ToArray();
        return new Comparison(what, stats[1], atol, rtol, (long)stats[0], e.numel(), allowedOutliers);
    }
}

/// <summary>A check found a difference beyond its tolerance.</summary>
public sealed class ParityMismatchException(string message) : Exception(message);

/// <summary>
/// Where a check runs (device, reference folder) and what it compared. Each comparison is recorded (the runner prints
/// the worst difference next to the tolerance, so a device's margin is visible even when it passes); the first one
/// beyond its tolerance throws <see cref="ParityMismatchException"/>.
/// </summary>
public sealed class ParityContext(string referenceFolder, Device device)
{
    public string ReferenceFolder { get; } = referenceFolder;
    public Device Device { get; } = device;
    public List<Comparison> Comparisons { get; } = [];

    public ReferenceFile Reference(string file) => ReferenceVectors.Open(ReferenceFolder, file, Device);

    public void Close(Tensor expected, Tensor actual, double atol, double rtol = 0, string what = "", int allowedOutliers = 0) =>
        Record(Comparison.Of(expected, actual, atol, rtol, what, allowedOutliers));

    /// <summary>Equal after rounding both to <paramref name="digits"/> decimals (as xunit's Assert.Equal(double, double, int)).</summary>
    public void Equal(double expected, double actual, int digits, string what)
    {
        bool ok = Math.Round(expected, digits) == Math.Round(actual, digits);
        Record(new Comparison(what, Math.Abs(expected - actual), 0.5 * Math.Pow(10, -digits), 0, ok ? 0 : 1, 1, 0));
    }

    public void Exact(long expected, long actual, string what) =>
        Record(new Comparison(what, Math.Abs(expected - actual), 0, 0, expected == actual ? 0 : 1, 1, 0,
            expected == actual ? null : $"{actual} where {expected} was expected"));

    void Record(Comparison c)
    {
        Comparisons.Add(c);
        if (!c.Passed) throw new ParityMismatchException($"[{Device.type}] {c.Describe()}");
    }
}
