using System.Numerics;
using HeadRecon.Meshing;

namespace HeadRecon.Evaluation;

/// <summary>A mesh coloured by per-vertex error, with the distances and the value mapped to the top of the scale.</summary>
public sealed record ErrorColoringResult(Mesh Colored, float[] Distances, double MaxDistance);

/// <summary>Per-vertex distance to another mesh and a heat-map colouring of it (blue = 0, red = max).</summary>
public static class ErrorColoring
{
    /// <summary>
    /// Unsigned distance from each vertex of <paramref name="mesh"/> to the surface of <paramref name="reference"/>.
    /// The reference is densely sampled; each vertex takes the exact point-to-triangle distance to the triangle of its
    /// nearest sample, which is never worse than the sample distance and exact unless that triangle is the wrong one
    /// (error then bounded by the sample spacing).
    /// </summary>
    public static float[] VertexDistances(Mesh mesh, Mesh reference, int referenceSamples = 500_000, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentNullException.ThrowIfNull(reference);
        var samples = SurfaceSampler.Sample(reference, referenceSamples, seed);
        var tree = new KdTree(samples.Points);
        int n = mesh.VertexCount;
        var nearest = new int[n];
        var dist = new float[n];
        tree.NearestAll(mesh.Vertices, nearest, dist);
        var v = mesh.Vertices;
        Parallel.For(0, n, i =>
        {
            int f = samples.FaceIndices[nearest[i]];
            double d = PointTriangleDistance(v[i * 3], v[i * 3 + 1], v[i * 3 + 2], reference, f);
            if (d < dist[i]) dist[i] = (float)d;
        });
        return dist;
    }

    /// <summary>Colours <paramref name="mesh"/> by its distance to <paramref name="reference"/>; the scale tops out at
    /// <paramref name="maxDistance"/> (default: the 95th percentile of the distances, so outliers do not wash it out).</summary>
    public static ErrorColoringResult Apply(Mesh mesh, Mesh reference, double? maxDistance = null, int referenceSamples = 500_000, int seed = 0)
    {
        var d = VertexDistances(mesh, reference, referenceSamples, seed);
        double max = maxDistance ?? Percentile(d, 0.95);
        return new ErrorColoringResult(mesh.WithColors(Colorize(d, max)), d, max);
    }

    /// <summary>Maps values in [0, maxValue] (clamped) to rgb: blue → cyan → green → yellow → red.</summary>
    public static byte[] Colorize(float[] values, double maxValue)
    {
        ArgumentNullException.ThrowIfNull(values);
        var rgb = new byte[values.Length * 3];
        for (int i = 0; i < values.Length; i++)
        {
            double t = maxValue > 0 ? values[i] / maxValue : 0;
            if (!double.IsFinite(t)) t = 1;
            var (r, g, b) = HeatColor(Math.Clamp(t, 0, 1));
            rgb[i * 3] = r; rgb[i * 3 + 1] = g; rgb[i * 3 + 2] = b;
        }
        return rgb;
    }

    static readonly (double R, double G, double B)[] Stops = [(0, 0, 1), (0, 1, 1), (0, 1, 0), (1, 1, 0), (1, 0, 0)];

    static (byte R, byte G, byte B) HeatColor(double t)
    {
        double s = t * (Stops.Length - 1);
        int i = Math.Min((int)s, Stops.Length - 2);
        double f = s - i;
        var (a, b) = (Stops[i], Stops[i + 1]);
        static byte B8(double x) => (byte)Math.Round(Math.Clamp(x, 0, 1) * 255);
        return (B8(a.R + (b.R - a.R) * f), B8(a.G + (b.G - a.G) * f), B8(a.B + (b.B - a.B) * f));
    }

    static double Percentile(float[] d, double q)
    {
        if (d.Length == 0) return 0;
        var sorted = (float[])d.Clone();
        Array.Sort(sorted);
        return sorted[(int)Math.Min(sorted.Length - 1, Math.Round(q * (sorted.Length - 1)))];
    }

    /// <summary>Exact distance from p to triangle f (closest-point regions, Ericson, Real-Time Collision Detection 5.1.5).</summary>
    public static double PointTriangleDistance(double px, double py, double pz, Mesh mesh, int f)
    {
        var v = mesh.Vertices;
        int ia = mesh.Faces[f * 3] * 3, ib = mesh.Faces[f * 3 + 1] * 3, ic = mesh.Faces[f * 3 + 2] * 3;
        var p = new Vector3((float)px, (float)py, (float)pz);
        var a = new Vector3(v[ia], v[ia + 1], v[ia + 2]);
        var b = new Vector3(v[ib], v[ib + 1], v[ib + 2]);
        var c = new Vector3(v[ic], v[ic + 1], v[ic + 2]);
        return Vector3.Distance(p, ClosestPointOnTriangle(p, a, b, c));
    }

    static Vector3 ClosestPointOnTriangle(Vector3 p, Vector3 a, Vector3 b, Vector3 c)
    {
        var ab = b - a; var ac = c - a; var ap = p - a;
        float d1 = Vector3.Dot(ab, ap), d2 = Vector3.Dot(ac, ap);
        if (d1 <= 0 && d2 <= 0) return a;
        var bp = p - b;
        float d3 = Vector3.Dot(ab, bp), d4 = Vector3.Dot(ac, bp);
        if (d3 >= 0 && d4 <= d3) return b;
        float vc = d1 * d4 - d3 * d2;
        if (vc <= 0 && d1 >= 0 && d3 <= 0) return a + d1 / (d1 - d3) * ab;
        var cp = p - c;
        float d5 = Vector3.Dot(ab, cp), d6 = Vector3.Dot(ac, cp);
        if (d6 >= 0 && d5 <= d6) return c;
        float vb = d5 * d2 - d1 * d6;
        if (vb <= 0 && d2 >= 0 && d6 <= 0) return a + d2 / (d2 - d6) * ac;
        float va = d3 * d6 - d5 * d4;
        if (va <= 0 && d4 - d3 >= 0 && d5 - d6 >= 0) return b + (d4 - d3) / (d4 - d3 + (d5 - d6)) * (c - b);
        float denom = va + vb + vc;
        if (denom == 0) return a;   // degenerate triangle
        float v = vb / denom, w = vc / denom;
        return a + ab * v + ac * w;
    }
}
