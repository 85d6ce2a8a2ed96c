using HeadRecon.Evaluation;
using Xunit;

namespace HeadRecon.Tests.Evaluation;

public class KdTreeTests
{
    [Fact]
    public void MatchesBruteForceNearestNeighbours()
    {
        var rng = new Random(3);
        var pts = new float[3000 * 3];
        for (int i = 0; i < pts.Length; i++) pts[i] = (float)rng.NextDouble();
        // Duplicates and a grid-aligned cluster exercise ties and sorted input.
        for (int i = 0; i < 300; i++) { pts[i * 3] = 0.5f; pts[i * 3 + 1] = i / 300f; pts[i * 3 + 2] = 0.25f; }
        var tree = new KdTree(pts);
        var queries = new float[500 * 3];
        for (int i = 0; i < queries.Length; i++) queries[i] = (float)(rng.NextDouble() * 1.4 - 0.2);
        var idx = new int[500];
        var dist = new float[500];
        tree.NearestAll(queries, idx, dist);
        for (int q = 0; q < 500; q++)
        {
            float best = float.PositiveInfinity;
            for (int i = 0; i < 3000; i++)
            {
                float dx = pts[i * 3] - queries[q * 3], dy = pts[i * 3 + 1] - queries[q * 3 + 1], dz = pts[i * 3 + 2] - queries[q * 3 + 2];
                best = MathF.Min(best, dx * dx + dy * dy + dz * dz);
            }
            Assert.Equal(MathF.Sqrt(best), dist[q], 5);
            int j = idx[q];
            float ex = pts[j * 3] - queries[q * 3], ey = pts[j * 3 + 1] - queries[q * 3 + 1], ez = pts[j * 3 + 2] - queries[q * 3 + 2];
            Assert.Equal(best, ex * ex + ey * ey + ez * ez, 5);
        }
        var (single, d2) = tree.Nearest(pts[42 * 3], pts[42 * 3 + 1], pts[42 * 3 + 2]);
        Assert.Equal(0f, d2);
        Assert.Equal(pts[42 * 3 + 2], pts[single * 3 + 2]);
    }

    [Fact]
    public void HandlesTinySets()
    {
        var tree = new KdTree([1, 2, 3]);
        Assert.Equal((0, 0f), tree.Nearest(1, 2, 3));
        Assert.Throws<InvalidOperationException>(() => new KdTree([]).Nearest(0, 0, 0));
    }
}
