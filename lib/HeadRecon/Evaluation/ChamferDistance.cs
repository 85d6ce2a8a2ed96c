namespace HeadRecon.Evaluation;

/// <summary>Precision, recall and their harmonic mean at one distance threshold (mesh units).</summary>
public sealed record FScore(double Threshold, double Precision, double Recall, double F);

/// <summary>Nearest-neighbour matches of two point sets, both ways, from which the metrics are computed.</summary>
public sealed class PointSetMatch
{
    /// <summary>Distance from each point of A to its nearest point of B ("accuracy" when A is the reconstruction).</summary>
    public float[] DistancesAToB { get; }
    /// <summary>Distance from each point of B to its nearest point of A ("completeness" when B is the ground truth).</summary>
    public float[] DistancesBToA { get; }
    public int[] NearestInB { get; }
    public int[] NearestInA { get; }

    PointSetMatch(float[] dab, float[] dba, int[] nab, int[] nba) { DistancesAToB = dab; DistancesBToA = dba; NearestInB = nab; NearestInA = nba; }

    /// <summary>Matches two xyz-interleaved point sets (k-d tree per side, queries in parallel).</summary>
    public static PointSetMatch Compute(float[] pointsA, float[] pointsB)
    {
        ArgumentNullException.ThrowIfNull(pointsA);
        ArgumentNullException.ThrowIfNull(pointsB);
        int na = pointsA.Length / 3, nb = pointsB.Length / 3;
        if (na == 0 || nb == 0) throw new ArgumentException("both point sets must be non-empty");
        var treeA = new KdTree(pointsA);
        var treeB = new KdTree(pointsB);
        var dab = new float[na]; var nab = new int[na];
        var dba = new float[nb]; var nba = new int[nb];
        treeB.NearestAll(pointsA, nab, dab);
        treeA.NearestAll(pointsB, nba, dba);
        return new PointSetMatch(dab, dba, nab, nba);
    }

    public double MeanAToB => Mean(DistancesAToB);
    public double MeanBToA => Mean(DistancesBToA);

    /// <summary>Chamfer distance: the average of the two directed mean nearest-neighbour distances.</summary>
    public double Chamfer => (MeanAToB + MeanBToA) / 2;

    /// <summary>Precision = share of A within the threshold of B, recall = share of B within it of A (inclusive).</summary>
    public FScore FScoreAt(double threshold)
    {
        double precision = Fraction(DistancesAToB, threshold);
        double recall = Fraction(DistancesBToA, threshold);
        double f = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
        return new FScore(threshold, precision, recall, f);
    }

    /// <summary>
    /// Mean |cos| between each point's normal and its nearest neighbour's normal, averaged over both directions.
    /// The absolute value ignores orientation, as is usual for this metric.
    /// </summary>
    public double NormalConsistency(float[] normalsA, float[] normalsB)
    {
        ArgumentNullException.ThrowIfNull(normalsA);
        ArgumentNullException.ThrowIfNull(normalsB);
        if (normalsA.Length != DistancesAToB.Length * 3 || normalsB.Length != DistancesBToA.Length * 3)
            throw new ArgumentException("normal arrays must match the point sets");
        return (MeanAbsCos(normalsA, normalsB, NearestInB) + MeanAbsCos(normalsB, normalsA, NearestInA)) / 2;
    }

    static double MeanAbsCos(float[] from, float[] to, int[] nearest)
    {
        double sum = 0;
        for (int i = 0; i < nearest.Length; i++)
        {
            int j = nearest[i];
            sum += Math.Abs(from[i * 3] * to[j * 3] + from[i * 3 + 1] * to[j * 3 + 1] + from[i * 3 + 2] * to[j * 3 + 2]);
        }
        return sum / nearest.Length;
    }

    static double Mean(float[] d)
    {
        double s = 0;
        foreach (float x in d) s += x;
        return s / d.Length;
    }

    static double Fraction(float[] d, double threshold)
    {
        int c = 0;
        foreach (float x in d) if (x <= threshold) c++;
        return (double)c / d.Length;
    }
}

/// <summary>Chamfer distance between point sets (see <see cref="PointSetMatch"/> for the full set of matches).</summary>
public static class ChamferDistance
{
    /// <summary>(mean over A of distance to nearest B + mean over B of distance to nearest A) / 2.</summary>
    public static double Compute(float[] pointsA, float[] pointsB) => PointSetMatch.Compute(pointsA, pointsB).Chamfer;

    /// <summary>Distance from every query point to its nearest reference point.</summary>
    public static float[] NearestDistances(float[] queries, float[] reference)
    {
        var tree = new KdTree(reference);
        var d = new float[queries.Length / 3];
        tree.NearestAll(queries, new int[d.Length], d);
        return d;
    }
}
