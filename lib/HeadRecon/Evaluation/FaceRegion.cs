using HeadRecon.Data;
using HeadRecon.Meshing;

namespace HeadRecon.Evaluation;

/// <summary>
/// The face region of a head: a ball around the nose tip, as H3DS's <c>face_sphere</c> region (the ground-truth
/// vertices within 95 mm of the nose tip). Centre and radius are in the mesh's units (the H3DS radius is 95 mm:
/// <see cref="H3ds"/> takes the millimetres per unit). Masks select vertices (H3DS's cut keeps every vertex in the
/// ball); <see cref="Crop"/> keeps the triangles whose centroid lies in the ball (for surface-sampled metrics, so a
/// triangle is never counted half).
/// </summary>
public sealed record FaceRegion(double X, double Y, double Z, double Radius)
{
    /// <summary>H3DS's face_sphere radius around the nose tip, in millimetres.</summary>
    public const double H3dsRadiusMm = 95.0;

    public static FaceRegion AroundNoseTip(Vector3d noseTip, double radius)
    {
        if (!(radius > 0)) throw new ArgumentOutOfRangeException(nameof(radius), radius, "the face region needs a positive radius");
        return new FaceRegion(noseTip.X, noseTip.Y, noseTip.Z, radius);
    }

    /// <summary>The ball of <paramref name="radius"/> (mesh units) around the landmarks' nose tip.</summary>
    public static FaceRegion FromLandmarks(HeadLandmarks landmarks, double radius)
    {
        ArgumentNullException.ThrowIfNull(landmarks);
        if (!landmarks.Points.TryGetValue(HeadLandmarks.NoseTip, out var tip))
            throw new ArgumentException($"the landmarks have no '{HeadLandmarks.NoseTip}', which the face region is centred on");
        return AroundNoseTip(tip, radius);
    }

    /// <summary>H3DS's face_sphere: 95 mm around the nose tip, for landmarks in units of <paramref name="millimetresPerUnit"/> mm.</summary>
    public static FaceRegion H3ds(HeadLandmarks landmarks, double millimetresPerUnit = 1.0) => FromLandmarks(landmarks, H3dsRadiusMm / millimetresPerUnit);

    public bool Contains(double x, double y, double z)
    {
        double dx = x - X, dy = y - Y, dz = z - Z;
        return dx * dx + dy * dy + dz * dz < Radius * Radius;
    }

    /// <summary>True for every vertex inside the ball.</summary>
    public bool[] VertexMask(Mesh mesh)
    {
        var v = mesh.Vertices;
        var mask = new bool[mesh.VertexCount];
        for (int i = 0; i < mask.Length; i++) mask[i] = Contains(v[3 * i], v[3 * i + 1], v[3 * i + 2]);
        return mask;
    }

    /// <summary>Indices of the vertices inside the ball, ascending.</summary>
    public int[] VertexIndices(Mesh mesh)
    {
        var mask = VertexMask(mesh);
        return Enumerable.Range(0, mask.Length).Where(i => mask[i]).ToArray();
    }

    /// <summary>xyz of the vertices inside the ball (double precision, for alignment).</summary>
    public double[] VertexPositions(Mesh mesh) => Positions(mesh, VertexIndices(mesh));

    /// <summary>The triangles whose centroid lies inside the ball, with only the vertices they use.</summary>
    public Mesh Crop(Mesh mesh)
    {
        var v = mesh.Vertices;
        var f = mesh.Faces;
        var kept = new List<int>(f.Length);
        for (int t = 0; t < f.Length; t += 3)
        {
            int a = 3 * f[t], b = 3 * f[t + 1], c = 3 * f[t + 2];
            double cx = (v[a] + v[b] + v[c]) / 3.0, cy = (v[a + 1] + v[b + 1] + v[c + 1]) / 3.0, cz = (v[a + 2] + v[b + 2] + v[c + 2]) / 3.0;
            if (Contains(cx, cy, cz)) kept.AddRange([f[t], f[t + 1], f[t + 2]]);
        }
        return new Mesh(v, kept.ToArray(), mesh.Colors).WithoutUnreferencedVertices();
    }

    /// <summary>H3DS's Mesh.cut: every vertex inside the ball (in order, isolated ones too) and the triangles whose three
    /// vertices are all inside.</summary>
    public Mesh Cut(Mesh mesh)
    {
        var idx = VertexIndices(mesh);
        var map = new int[mesh.VertexCount];
        Array.Fill(map, -1);
        for (int i = 0; i < idx.Length; i++) map[idx[i]] = i;
        var f = mesh.Faces;
        var faces = new List<int>();
        for (int t = 0; t < f.Length; t += 3)
            if (map[f[t]] >= 0 && map[f[t + 1]] >= 0 && map[f[t + 2]] >= 0) faces.AddRange([map[f[t]], map[f[t + 1]], map[f[t + 2]]]);
        byte[]? colors = null;
        if (mesh.Colors is { } c)
        {
            colors = new byte[idx.Length * 3];
            for (int i = 0; i < idx.Length; i++) Array.Copy(c, 3 * idx[i], colors, 3 * i, 3);
        }
        return new Mesh(Positions(mesh, idx).Select(x => (float)x).ToArray(), faces.ToArray(), colors);
    }

    /// <summary>xyz of the given vertices.</summary>
    public static double[] Positions(Mesh mesh, int[] indices)
    {
        var v = mesh.Vertices;
        var p = new double[indices.Length * 3];
        for (int i = 0; i < indices.Length; i++)
            for (int k = 0; k < 3; k++) p[3 * i + k] = v[3 * indices[i] + k];
        return p;
    }
}
