using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HeadRecon.Meshing;

namespace HeadRecon.Data;

/// <summary>
/// A similarity transform x' = s·R·x + t (R 3×3 row-major, orthogonal; a rotation unless it came from a Procrustes fit
/// that allowed reflections). Used for scene → template alignment (<see cref="AlignmentFile"/>), landmark Procrustes
/// and ICP in the H3DS protocol.
/// </summary>
public sealed record Similarity(double Scale, double[] Rotation, double[] Translation)
{
    public static Similarity Identity { get; } = new(1, Rotations.Identity, [0, 0, 0]);

    public (double X, double Y, double Z) Apply(double x, double y, double z)
    {
        var r = Rotations.Apply(Rotation, x, y, z);
        return (Scale * r[0] + Translation[0], Scale * r[1] + Translation[1], Scale * r[2] + Translation[2]);
    }

    public double[] Apply(double[] p)
    {
        var (x, y, z) = Apply(p[0], p[1], p[2]);
        return [x, y, z];
    }

    /// <summary>x = R⁻¹(x' − t)/s (Rᵀ for the orthogonal R).</summary>
    public Similarity Inverse()
    {
        var rt = Rotations.Transpose(Rotation);
        var t = Rotations.Apply(rt, -Translation[0], -Translation[1], -Translation[2]);
        return new Similarity(1 / Scale, rt, [t[0] / Scale, t[1] / Scale, t[2] / Scale]);
    }

    /// <summary>This transform followed by <paramref name="next"/>: x ↦ next(this(x)).</summary>
    public Similarity Then(Similarity next)
    {
        var r = Rotations.Multiply(next.Rotation, Rotation);
        var t = next.Apply(Translation);
        return new Similarity(next.Scale * Scale, r, t);
    }

    /// <summary>Row-major 4×4 [sR | t; 0 0 0 1].</summary>
    public double[] ToMatrix4()
    {
        var m = new double[16];
        for (int r = 0; r < 3; r++)
        {
            for (int c = 0; c < 3; c++) m[r * 4 + c] = Scale * Rotation[r * 3 + c];
            m[r * 4 + 3] = Translation[r];
        }
        m[15] = 1;
        return m;
    }

    /// <summary>A row-major 4×4 [A | t] whose A is a scaled orthogonal matrix (e.g. an IDR scale_mat).</summary>
    public static Similarity FromMatrix4(double[] m)
    {
        double[] a = [m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10]];
        double s = Math.Cbrt(Math.Abs(Data.LinearAlgebra.Det3(a)));
        if (!(s > 0)) throw new ArgumentException("4x4 matrix has a singular 3x3 part");
        return new Similarity(s, a.Select(v => v / s).ToArray(), [m[3], m[7], m[11]]);
    }

    /// <summary>A camera-to-world (OpenCV, row-major 4×4) moved into the transformed frame: R_c' = R·R_c, C' = s·R·C + t.</summary>
    public double[] ApplyToCameraToWorld(double[] c2w)
    {
        double[] rc = [c2w[0], c2w[1], c2w[2], c2w[4], c2w[5], c2w[6], c2w[8], c2w[9], c2w[10]];
        var r = Rotations.Multiply(Rotation, rc);
        var (cx, cy, cz) = Apply(c2w[3], c2w[7], c2w[11]);
        return [r[0], r[1], r[2], cx, r[3], r[4], r[5], cy, r[6], r[7], r[8], cz, 0, 0, 0, 1];
    }

    /// <summary>Every vertex transformed; faces flipped when R is a reflection, so normals keep pointing outward.</summary>
    public Mesh Apply(Mesh mesh)
    {
        var v = new float[mesh.Vertices.Length];
        var src = mesh.Vertices;
        for (int i = 0; i < v.Length; i += 3)
        {
            var (x, y, z) = Apply(src[i], src[i + 1], src[i + 2]);
            v[i] = (float)x; v[i + 1] = (float)y; v[i + 2] = (float)z;
        }
        var faces = mesh.Faces;
        if (Data.LinearAlgebra.Det3(Rotation) < 0)
        {
            faces = (int[])faces.Clone();
            for (int f = 0; f < faces.Length; f += 3) (faces[f + 1], faces[f + 2]) = (faces[f + 2], faces[f + 1]);
        }
        return new Mesh(v, faces, mesh.Colors);
    }

    public double RotationDegrees => Rotations.AngleDegrees(Rotation);

    /// <summary>{"scale": s, "rotation": [[r00, r01, r02], …], "translation": [tx, ty, tz]}.</summary>
    public JsonObject ToJson() => new()
    {
        ["scale"] = Scale,
        ["rotation"] = new JsonArray(Enumerable.Range(0, 3).Select(r => (JsonNode)new JsonArray(Rotation[r * 3], Rotation[r * 3 + 1], Rotation[r * 3 + 2])).ToArray()),
        ["translation"] = new JsonArray(Translation[0], Translation[1], Translation[2]),
    };

    /// <summary>Reads <see cref="ToJson"/>'s layout; <paramref name="source"/> names the file in errors.</summary>
    public static Similarity FromJson(JsonNode? node, string source)
    {
        try
        {
            if (node is not JsonObject o) throw new FormatException("expected an object with scale, rotation and translation");
            double s = Number(o["scale"], "scale");
            var rows = o["rotation"] as JsonArray ?? throw new FormatException("'rotation' must be a 3x3 array");
            if (rows.Count != 3) throw new FormatException("'rotation' must have 3 rows");
            var r = rows.SelectMany(row => Vector(row, "rotation", 3)).ToArray();
            var t = Vector(o["translation"], "translation", 3);
            if (!(s > 0)) throw new FormatException($"'scale' must be > 0, got {s}");
            double det = Data.LinearAlgebra.Det3(r);
            var rrt = Rotations.Multiply(r, Rotations.Transpose(r));
            double err = Enumerable.Range(0, 9).Max(i => Math.Abs(rrt[i] - (i % 4 == 0 ? 1 : 0)));
            if (err > 1e-6 || Math.Abs(Math.Abs(det) - 1) > 1e-6) throw new FormatException($"'rotation' is not orthogonal (|R·Rᵀ − I| = {err:G3})");
            return new Similarity(s, r, t);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException or JsonException)
        {
            throw new Data.DatasetException($"{source}: malformed similarity ({ex.Message})", ex);
        }
    }

    static double Number(JsonNode? n, string key) =>
        n is JsonValue v && v.TryGetValue(out double d) && double.IsFinite(d) ? d : throw new FormatException($"'{key}' must be a finite number");

    static double[] Vector(JsonNode? n, string key, int count)
    {
        if (n is not JsonArray a || a.Count != count) throw new FormatException($"'{key}' rows must have {count} numbers");
        return a.Select(x => Number(x, key)).ToArray();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"scale {Scale:G6}, rotation {RotationDegrees:F3}°, translation ({Translation[0]:G6}, {Translation[1]:G6}, {Translation[2]:G6})");
}
