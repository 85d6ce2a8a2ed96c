using HeadRecon.Meshing;

namespace HeadRecon.Tests;

/// <summary>Analytic shapes shared by the geometry tests.</summary>
public static class TestMeshes
{
    /// <summary>Signed distance to a sphere, sampled on an n³ grid spanning [-1, 1]³ in the MarchingCubes layout.</summary>
    public static float[] SphereGrid(int n, double radius, (double X, double Y, double Z) center = default)
    {
        var values = new float[n * n * n];
        double h = 2.0 / (n - 1);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                for (int k = 0; k < n; k++)
                {
                    double x = MarchingCubes.GridCoordinate(-1, h, i) - center.X;
                    double y = MarchingCubes.GridCoordinate(-1, h, j) - center.Y;
                    double z = MarchingCubes.GridCoordinate(-1, h, k) - center.Z;
                    values[(i * n + j) * n + k] = (float)(Math.Sqrt(x * x + y * y + z * z) - radius);
                }
        return values;
    }

    public static Mesh Sphere(int n, double radius, (double X, double Y, double Z) center = default)
    {
        double h = 2.0 / (n - 1);
        return MarchingCubes.Extract(SphereGrid(n, radius, center), n, n, n, (-1, -1, -1), (h, h, h));
    }

    /// <summary>A flat square patch in the z = height plane, side length size, split into cells² quads, normal +z.</summary>
    public static Mesh Plane(double size, int cells, double height = 0)
    {
        int m = cells + 1;
        var v = new float[m * m * 3];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
            {
                int o = (i * m + j) * 3;
                v[o] = (float)(-size / 2 + size * i / cells);
                v[o + 1] = (float)(-size / 2 + size * j / cells);
                v[o + 2] = (float)height;
            }
        var f = new List<int>();
        for (int i = 0; i < cells; i++)
            for (int j = 0; j < cells; j++)
            {
                int a = i * m + j, b = (i + 1) * m + j, c = (i + 1) * m + j + 1, d = i * m + j + 1;
                f.AddRange([a, b, c, a, c, d]);
            }
        return new Mesh(v, f.ToArray());
    }

    /// <summary>A synthetic head's surface (head units, about 2.9 across) by the generator's own extraction, cached
    /// per (seed, resolution): an asymmetric shape for alignment tests.</summary>
    public static Mesh Head(int seed = 3, int voxelsAcross = 48)
    {
        lock (Heads)
        {
            if (Heads.TryGetValue((seed, voxelsAcross), out var m)) return m;
            var head = new HeadRecon.Data.Synthetic.SyntheticHead(HeadRecon.Data.Synthetic.HeadParameters.Random(seed, false));
            var (min, max) = HeadRecon.Data.Synthetic.SyntheticHead.Bounds;
            var t = HeadRecon.Data.Synthetic.SurfaceExtraction.Extract(head.Distance, min, max, (max.X - min.X) / voxelsAcross);
            return Heads[(seed, voxelsAcross)] = new Mesh(t.Vertices, t.Triangles);
        }
    }

    static readonly Dictionary<(int, int), Mesh> Heads = [];

    /// <summary>Merges meshes into one (faces renumbered), e.g. to build multi-component inputs.</summary>
    public static Mesh Concat(params Mesh[] meshes)
    {
        var v = new List<float>();
        var f = new List<int>();
        foreach (var m in meshes)
        {
            int offset = v.Count / 3;
            v.AddRange(m.Vertices);
            f.AddRange(m.Faces.Select(i => i + offset));
        }
        return new Mesh(v.ToArray(), f.ToArray());
    }
}
