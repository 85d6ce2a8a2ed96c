using System.Globalization;
using System.Text;
using HeadRecon.Meshing;

namespace HeadRecon.Evaluation;

/// <summary>
/// Symmetric Chamfer (surface-sampled, as <see cref="MeshMetrics"/>) between every two meshes of a set, e.g. the
/// ground truths of a synthetic family: how far apart the identities are, to set against a reconstruction's error.
/// </summary>
public sealed record PairwiseChamfer(IReadOnlyList<string> Names, double[,] Distances)
{
    public static PairwiseChamfer Compute(IReadOnlyList<string> names, IReadOnlyList<Mesh> meshes, int samples = 30_000)
    {
        if (names.Count != meshes.Count) throw new ArgumentException("one name per mesh");
        var points = meshes.Select(m => SurfaceSampler.Sample(m, samples, seed: 0).Points).ToArray();
        var trees = points.Select(p => new KdTree(p)).ToArray();
        int n = names.Count;
        var directed = new double[n, n];
        Parallel.For(0, n * n, ij =>
        {
            int i = ij / n, j = ij % n;
            if (i == j) return;
            var nearest = new int[samples];
            var dist = new float[samples];
            trees[j].NearestAll(points[i], nearest, dist);
            directed[i, j] = dist.Average(d => (double)d);
        });
        var d = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                d[i, j] = i == j ? 0 : 0.5 * (directed[i, j] + directed[j, i]);
        return new PairwiseChamfer(names, d);
    }

    IEnumerable<(int I, int J, double D)> Pairs()
    {
        for (int i = 0; i < Names.Count; i++)
            for (int j = i + 1; j < Names.Count; j++)
                yield return (i, j, Distances[i, j]);
    }

    public double Mean => Pairs().Average(p => p.D);

    public (string A, string B, double Distance) Nearest
    {
        get { var p = Pairs().MinBy(p => p.D); return (Names[p.I], Names[p.J], p.D); }
    }

    /// <summary>Distance from identity <paramref name="name"/> to its nearest other identity.</summary>
    public double NearestTo(string name)
    {
        int i = Names.ToList().IndexOf(name);
        return Enumerable.Range(0, Names.Count).Where(j => j != i).Min(j => Distances[i, j]);
    }

    public string Describe()
    {
        var (a, b, d) = Nearest;
        return string.Create(CultureInfo.InvariantCulture, $"{Names.Count} identities, mean {Mean:F4}, nearest pair {a}–{b} {d:F4}, farthest {Pairs().Max(p => p.D):F4}");
    }

    public string ToCsv()
    {
        var sb = new StringBuilder("id," + string.Join(",", Names) + "\n");
        for (int i = 0; i < Names.Count; i++)
            sb.Append(Names[i]).Append(',').AppendJoin(",", Enumerable.Range(0, Names.Count).Select(j => Distances[i, j].ToString("F5", CultureInfo.InvariantCulture))).Append('\n');
        return sb.ToString();
    }
}
