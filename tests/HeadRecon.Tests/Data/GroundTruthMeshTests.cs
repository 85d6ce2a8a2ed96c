using HeadRecon.Data;
using HeadRecon.Data.Synthetic;
using Xunit;

namespace HeadRecon.Tests.Data;

public class GroundTruthMeshTests
{
    [Fact]
    public void Marching_tetrahedra_sphere_is_watertight_outward_and_accurate()
    {
        const double R = 0.7, Voxel = 0.05;
        var mesh = SurfaceExtraction.Extract(p => p.Length - R, new Vector3d(-1, -1, -1), new Vector3d(1, 1, 1), Voxel);
        // every undirected edge is used by exactly two triangles, in opposite directions
        var directed = new Dictionary<(int, int), int>();
        for (int t = 0; t < mesh.TriangleCount; t++)
            for (int e = 0; e < 3; e++)
            {
                var key = (mesh.Triangles[3 * t + e], mesh.Triangles[3 * t + (e + 1) % 3]);
                directed[key] = directed.GetValueOrDefault(key) + 1;
            }
        Assert.All(directed, kv => { Assert.Equal(1, kv.Value); Assert.True(directed.ContainsKey((kv.Key.Item2, kv.Key.Item1))); });
        // vertices within half a voxel of the surface
        for (int i = 0; i < mesh.VertexCount; i++)
        {
            double len = Math.Sqrt(mesh.Vertices[3 * i] * mesh.Vertices[3 * i] + mesh.Vertices[3 * i + 1] * mesh.Vertices[3 * i + 1] + mesh.Vertices[3 * i + 2] * mesh.Vertices[3 * i + 2]);
            Assert.InRange(len - R, -Voxel / 2, Voxel / 2);
        }
        // outward orientation: positive signed volume close to the sphere's
        double vol = 0;
        for (int t = 0; t < mesh.TriangleCount; t++)
        {
            var a = V(mesh, mesh.Triangles[3 * t]); var b = V(mesh, mesh.Triangles[3 * t + 1]); var c = V(mesh, mesh.Triangles[3 * t + 2]);
            vol += Vector3d.Dot(a, Vector3d.Cross(b, c)) / 6;
        }
        Assert.InRange(vol / (4.0 / 3 * Math.PI * R * R * R), 0.97, 1.01);
    }

    [Fact]
    public void Ply_round_trips_vertices()
    {
        using var t = new TempDir();
        var mesh = new TriangleMesh([0, 0, 0, 1, 0, 0, 0, 1, 0], [0, 1, 2]);
        PlyWriter.Write(t["m.ply"], mesh);
        Assert.Equal(mesh.Vertices, PlyWriter.ReadVertices(t["m.ply"]));
        var bytes = File.ReadAllBytes(t["m.ply"]);
        Assert.StartsWith("ply\nformat binary_little_endian 1.0\n", System.Text.Encoding.ASCII.GetString(bytes, 0, 40));
    }

    [Fact]
    public void Summary_warns_about_intrinsics_for_another_resolution()
    {
        var v = new HeadView("a", 0, "v", 10, 10, new float[300], null, [20, 0, 40, 0, 20, 40, 0, 0, 1], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, -2, 0, 0, 0, 1]);
        var s = new HeadDataset([v], ["a"], 1, null, null, "test").Summarize(3);
        Assert.Contains(s.Warnings, w => w.Contains("principal point"));
    }

    static Vector3d V(TriangleMesh m, int i) => new(m.Vertices[3 * i], m.Vertices[3 * i + 1], m.Vertices[3 * i + 2]);
}
