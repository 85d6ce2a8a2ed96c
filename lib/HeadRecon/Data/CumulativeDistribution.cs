namespace HeadRecon.Data;

/// <summary>Draws from a discrete distribution given as running sums of its weights (pixels by contrast, triangles by area).</summary>
public static class CumulativeDistribution
{
    /// <summary>
    /// The index whose interval [cumulative[i − 1], cumulative[i]) holds u, for u in [0, cumulative[^1]): the first entry
    /// greater than u, so a zero-weight entry (equal to the one before it) is never drawn, even when u hits a sum exactly.
    /// A u at or past the total gives the last index.
    /// </summary>
    public static int Index(double[] cumulative, double u)
    {
        int lo = 0, hi = cumulative.Length - 1;
        while (lo < hi)
        {
            int mid = lo + (hi - lo) / 2;
            if (cumulative[mid] > u) hi = mid;
            else lo = mid + 1;
        }
        return lo;
    }
}
