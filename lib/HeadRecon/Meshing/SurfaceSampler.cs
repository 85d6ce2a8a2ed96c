using HeadRecon.Data;

namespace HeadRecon.Meshing;

/// <summary>Points on a mesh surface with the unit normal of the triangle each lies on.</summary>
public sealed record SurfaceSamples(float[] Points, float[] Normals, int[] FaceIndices)
{
    public int Count => FaceIndices.Length;
}

/// <summary>Uniform random points on a mesh surface: triangles picked with probability proportional to area,
/// then a uniform point inside the triangle. Deterministic for a given seed.</summary>
public static class SurfaceSampler
{
    public static SurfaceSamples Sample(Mesh mesh, int count, int seed)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var areas = mesh.FaceAreas();
        var cumulative = new double[areas.Length];
        double total = 0;
        for (int i = 0; i < areas.Length; i++) { total += areas[i]; cumulative[i] = total; }
        if (!(total > 0)) throw new ArgumentException("cannot sample a mesh without surface area", nameof(mesh));
        var faceNormals = mesh.FaceNormals();
        var rng = new Random(seed);
        var points = new float[count * 3];
        var normals = new float[count * 3];
        var faces = new int[count];
        var v = mesh.Vertices;
        for (int s = 0; s < count; s++)
        {
            double u = rng.NextDouble() * total;
            int f = CumulativeDistribution.Index(cumulative, u);
            // sqrt trick: (1 - sqrt r1, sqrt r1 (1 - r2), sqrt r1 r2) is uniform over the triangle.
            double r1 = Math.Sqrt(rng.NextDouble()), r2 = rng.NextDouble();
            double wa = 1 - r1, wb = r1 * (1 - r2), wc = r1 * r2;
            int a = mesh.Faces[f * 3] * 3, b = mesh.Faces[f * 3 + 1] * 3, c = mesh.Faces[f * 3 + 2] * 3;
            for (int k = 0; k < 3; k++)
            {
                points[s * 3 + k] = (float)(wa * v[a + k] + wb * v[b + k] + wc * v[c + k]);
                normals[s * 3 + k] = faceNormals[f * 3 + k];
            }
            faces[s] = f;
        }
        return new SurfaceSamples(points, normals, faces);
    }
}
