namespace HeadRecon.Data.Synthetic;

/// <summary>
/// A family of synthetic identities drawn from one seed so that no two are alike. A pool of
/// <see cref="PoolFactor"/>·count candidates is drawn from a fixed sequence of per-candidate seeds, and the family is
/// picked from it by farthest-point sampling on the mean surface distance (candidate 0 first, then always the
/// candidate farthest from every identity picked so far). Uniform draws alone give a few near-twins in a family of
/// twenty, and a near-twin cannot show identity-specific geometry. The family is a function of (seed, count).
/// </summary>
public static class HeadFamily
{
    public const int PoolFactor = 20;

    /// <summary>Candidate seed k of a family seed, by fixed integer arithmetic (stable across runtimes).</summary>
    public static int CandidateSeed(int familySeed, int k) => unchecked(familySeed * 7919 + k * 104729 + 12345);

    public static IReadOnlyList<HeadParameters> Draw(int familySeed, int count, bool expressions = false)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "a family has at least one identity");
        int pool = Math.Max(PoolFactor * count, 40);
        var candidates = Enumerable.Range(0, pool).Select(k => HeadParameters.Random(CandidateSeed(familySeed, k), expressions)).ToArray();
        var heads = candidates.Select(p => new SyntheticHead(p)).ToArray();
        var surfaces = new Vector3d[pool][];
        Parallel.For(0, pool, i => surfaces[i] = SurfacePoints(heads[i].BaseDistance, 36, 800));
        var picked = new List<int> { 0 };
        var nearest = new double[pool];
        Array.Fill(nearest, double.PositiveInfinity);
        while (picked.Count < count)
        {
            int last = picked[^1];
            Parallel.For(0, pool, j => nearest[j] = Math.Min(nearest[j], MeanSurfaceDistance(heads[last], surfaces[last], heads[j], surfaces[j])));
            int next = -1;
            for (int j = 0; j < pool; j++)
                if (!picked.Contains(j) && (next < 0 || nearest[j] > nearest[next])) next = j;
            picked.Add(next);
        }
        return picked.Select(i => candidates[i]).ToList();
    }

    /// <summary>Symmetric mean surface distance estimated from each head's smooth SDF (no detail) at the other's surface points.</summary>
    public static double MeanSurfaceDistance(SyntheticHead a, Vector3d[] surfaceA, SyntheticHead b, Vector3d[] surfaceB) =>
        0.5 * (surfaceA.Average(q => Math.Abs(b.BaseDistance(q))) + surfaceB.Average(q => Math.Abs(a.BaseDistance(q))));

    static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>Writes a family's parameters (gt/family.json): `synth --family FILE` renders exactly these identities
    /// again without drawing (a draw takes a while), which is how a pre-trained template names the people it saw.</summary>
    public static void Save(string path, IReadOnlyList<HeadParameters> family) =>
        IO.AtomicFile.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(family, JsonOptions));

    public static IReadOnlyList<HeadParameters> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: family file not found", path);
        try
        {
            var family = System.Text.Json.JsonSerializer.Deserialize<List<HeadParameters>>(File.ReadAllText(path));
            if (family is null || family.Count == 0) throw new InvalidDataException($"{path}: no identities in the family file");
            return family;
        }
        catch (System.Text.Json.JsonException ex) { throw new InvalidDataException($"{path}: not a family file ({ex.Message})", ex); }
    }

    /// <summary>Up to <paramref name="maxPoints"/> points (evenly strided) on the zero level set, where the SDF changes
    /// sign along the grid lines of a res³ grid over <see cref="SyntheticHead.Bounds"/> (linear interpolation).</summary>
    public static Vector3d[] SurfacePoints(Func<Vector3d, double> sdf, int res, int maxPoints = int.MaxValue)
    {
        var (min, max) = SyntheticHead.Bounds;
        var step = new Vector3d((max.X - min.X) / (res - 1), (max.Y - min.Y) / (res - 1), (max.Z - min.Z) / (res - 1));
        var values = new double[res * res * res];
        for (int k = 0; k < res; k++)
            for (int j = 0; j < res; j++)
                for (int i = 0; i < res; i++)
                    values[(k * res + j) * res + i] = sdf(new Vector3d(min.X + i * step.X, min.Y + j * step.Y, min.Z + k * step.Z));
        var points = new List<Vector3d>();
        Vector3d At(int i, int j, int k) => new(min.X + i * step.X, min.Y + j * step.Y, min.Z + k * step.Z);
        void Edge(int i0, int j0, int k0, int i1, int j1, int k1)
        {
            double a = values[(k0 * res + j0) * res + i0], b = values[(k1 * res + j1) * res + i1];
            if ((a < 0) == (b < 0)) return;
            double t = a / (a - b);
            points.Add(At(i0, j0, k0) + (At(i1, j1, k1) - At(i0, j0, k0)) * t);
        }
        for (int k = 0; k < res; k++)
            for (int j = 0; j < res; j++)
                for (int i = 0; i < res; i++)
                {
                    if (i + 1 < res) Edge(i, j, k, i + 1, j, k);
                    if (j + 1 < res) Edge(i, j, k, i, j + 1, k);
                    if (k + 1 < res) Edge(i, j, k, i, j, k + 1);
                }
        if (points.Count <= maxPoints) return points.ToArray();
        double stride = (double)points.Count / maxPoints;
        return Enumerable.Range(0, maxPoints).Select(i => points[(int)(i * stride)]).ToArray();
    }
}
