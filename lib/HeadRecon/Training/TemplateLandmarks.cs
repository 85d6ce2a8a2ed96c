using HeadRecon.Data;
using HeadRecon.Data.Synthetic;

namespace HeadRecon.Training;

/// <summary>
/// Landmarks of a template in its canonical frame. A template trained on the synthetic family (PR layout, cameras
/// scaled by cam_scale) lives in the family's frame × cam_scale, so its landmarks are the family's mean landmarks
/// there. A template trained on other data should ship its own landmarks file (<see cref="FileName"/> next to its
/// conf.conf), which <see cref="ForRun"/> prefers.
/// </summary>
public static class TemplateLandmarks
{
    public const string FileName = "template_landmarks.json";

    /// <summary>Mean of <see cref="SyntheticHead.Landmarks"/> over the family's first <paramref name="identities"/> heads
    /// (the first candidates of <see cref="HeadFamily.Draw"/> for <paramref name="seed"/>: a plain sample of the parameter
    /// distribution), times <paramref name="camScale"/>.</summary>
    public static HeadLandmarks SyntheticFamilyMean(double camScale = 0.15, int identities = 30, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(identities, 1);
        return Mean(Enumerable.Range(0, identities).Select(i => HeadParameters.Random(HeadFamily.CandidateSeed(seed, i), false)).ToList(), camScale);
    }

    /// <summary>Mean landmarks of these identities, times <paramref name="camScale"/> (a template's training family).</summary>
    public static HeadLandmarks Mean(IReadOnlyList<HeadParameters> identities, double camScale)
    {
        if (identities.Count == 0) throw new ArgumentException("no identities to average", nameof(identities));
        var sums = new Dictionary<string, Vector3d>(StringComparer.Ordinal);
        foreach (var p in identities)
            foreach (var (name, pt) in new SyntheticHead(p).Landmarks().Points)
                sums[name] = sums.GetValueOrDefault(name) + pt;
        return new HeadLandmarks(sums.ToDictionary(kv => kv.Key, kv => kv.Value * (camScale / identities.Count)));
    }

    /// <summary>
    /// How far each landmark of these identities lies from its mean, RMS over the identities, times
    /// <paramref name="camScale"/>: how much that landmark moves relative to the head's origin from person to person.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Spread(IReadOnlyList<HeadParameters> identities, double camScale)
    {
        var mean = Mean(identities, 1.0);
        var sq = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in identities)
            foreach (var (name, pt) in new SyntheticHead(p).Landmarks().Points)
            {
                var d = pt - mean[name];
                sq[name] = sq.GetValueOrDefault(name) + d.X * d.X + d.Y * d.Y + d.Z * d.Z;
            }
        return sq.ToDictionary(kv => kv.Key, kv => Math.Sqrt(kv.Value / identities.Count) * camScale, StringComparer.Ordinal);
    }

    /// <summary>RUN/template_landmarks.json when the run has one, else null.</summary>
    public static HeadLandmarks? ForRun(string runDir)
    {
        string path = Path.Combine(runDir, FileName);
        return File.Exists(path) ? Data.LandmarkFiles.Read3D(path) : null;
    }
}
