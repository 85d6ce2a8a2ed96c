namespace HeadRecon.Data.Synthetic;

/// <summary>Indexed triangle mesh (float vertices, int triangles), outward-oriented.</summary>
internal sealed record TriangleMesh(float[] Vertices, int[] Triangles)
{
    public int VertexCount => Vertices.Length / 3;
    public int TriangleCount => Triangles.Length / 3;
}

/// <summary>
/// Marching tetrahedra (6 tetrahedra per cube around the main diagonal, consistent across neighbouring cubes, so the
/// result is watertight). Vertices lie on grid edges by linear interpolation and are shared per edge. Kept private to
/// the synthetic generator; the project's general marching cubes lives in HeadRecon.Meshing.
/// </summary>
internal static class SurfaceExtraction
{
    static readonly int[][] Tets = [[0, 1, 3, 7], [0, 3, 2, 7], [0, 2, 6, 7], [0, 6, 4, 7], [0, 4, 5, 7], [0, 5, 1, 7]];

    public static TriangleMesh Extract(Func<Vector3d, double> sdf, Vector3d min, Vector3d max, double voxel)
    {
        int nx = (int)Math.Ceiling((max.X - min.X) / voxel) + 1;
        int ny = (int)Math.Ceiling((max.Y - min.Y) / voxel) + 1;
        int nz = (int)Math.Ceiling((max.Z - min.Z) / voxel) + 1;
        var values = new float[(long)nx * ny * nz];
        Parallel.For(0, nz, k =>
        {
            for (int j = 0; j < ny; j++)
                for (int i = 0; i < nx; i++)
                    values[((long)k * ny + j) * nx + i] = (float)sdf(new Vector3d(min.X + i * voxel, min.Y + j * voxel, min.Z + k * voxel));
        });
        long Index(int i, int j, int k) => ((long)k * ny + j) * nx + i;
        Vector3d Pos(long idx)
        {
            long i = idx % nx, j = idx / nx % ny, k = idx / ((long)nx * ny);
            return new Vector3d(min.X + i * voxel, min.Y + j * voxel, min.Z + k * voxel);
        }

        var vertexOfEdge = new Dictionary<(long, long), int>();
        var verts = new List<float>();
        var tris = new List<int>();
        int EdgeVertex(long a, long b)
        {
            var key = a < b ? (a, b) : (b, a);
            if (vertexOfEdge.TryGetValue(key, out int id)) return id;
            double va = values[key.Item1], vb = values[key.Item2];
            double t = va / (va - vb);
            var p = Pos(key.Item1) + (Pos(key.Item2) - Pos(key.Item1)) * t;
            id = verts.Count / 3;
            verts.Add((float)p.X); verts.Add((float)p.Y); verts.Add((float)p.Z);
            vertexOfEdge[key] = id;
            return id;
        }
        // Orientation is decided on edge MIDPOINTS, not the interpolated vertices: those can coincide (a node with
        // value 0 is shared by several edges) and give zero-area triangles of arbitrary orientation.
        Vector3d Mid(long a, long b) => (Pos(a) + Pos(b)) * 0.5;

        var corner = new long[8];
        for (int k = 0; k < nz - 1; k++)
            for (int j = 0; j < ny - 1; j++)
                for (int i = 0; i < nx - 1; i++)
                {
                    int inside = 0;
                    for (int c = 0; c < 8; c++)
                    {
                        corner[c] = Index(i + (c & 1), j + ((c >> 1) & 1), k + ((c >> 2) & 1));
                        if (values[corner[c]] < 0) inside++;
                    }
                    if (inside == 0 || inside == 8) continue;
                    foreach (var tet in Tets)
                    {
                        var ins = new List<long>(4);
                        var outs = new List<long>(4);
                        foreach (int c in tet) (values[corner[c]] < 0 ? ins : outs).Add(corner[c]);
                        if (ins.Count == 0 || outs.Count == 0) continue;
                        var outward = Centroid(outs, Pos) - Centroid(ins, Pos);
                        if (ins.Count == 1 || outs.Count == 1)
                        {
                            long apex = ins.Count == 1 ? ins[0] : outs[0];
                            var others = ins.Count == 1 ? outs : ins;
                            long o1 = others[1], o2 = others[2];
                            var n = Vector3d.Cross(Mid(apex, o1) - Mid(apex, others[0]), Mid(apex, o2) - Mid(apex, others[0]));
                            if (Vector3d.Dot(n, outward) < 0) (o1, o2) = (o2, o1);
                            tris.AddRange([EdgeVertex(apex, others[0]), EdgeVertex(apex, o1), EdgeVertex(apex, o2)]);
                        }
                        else
                        {
                            int v00 = EdgeVertex(ins[0], outs[0]), v01 = EdgeVertex(ins[0], outs[1]);
                            int v11 = EdgeVertex(ins[1], outs[1]), v10 = EdgeVertex(ins[1], outs[0]);
                            // quad v00-v01-v11-v10 (consecutive corners share an inside or outside vertex); orient the
                            // whole quad once (its midpoint version is a planar parallelogram) so both halves agree
                            var n = Vector3d.Cross(Mid(ins[1], outs[1]) - Mid(ins[0], outs[0]), Mid(ins[1], outs[0]) - Mid(ins[0], outs[1]));
                            if (Vector3d.Dot(n, outward) < 0) (v01, v10) = (v10, v01);
                            tris.AddRange([v00, v01, v11, v00, v11, v10]);
                        }
                    }
                }
        return new TriangleMesh(verts.ToArray(), tris.ToArray());
    }

    static Vector3d Centroid(List<long> ids, Func<long, Vector3d> pos)
    {
        var s = new Vector3d(0, 0, 0);
        foreach (var id in ids) s += pos(id);
        return s * (1.0 / ids.Count);
    }
}

/// <summary>Minimal binary little-endian PLY writer (vertices + triangles), deterministic bytes.</summary>
internal static class PlyWriter
{
    public static void Write(string path, TriangleMesh mesh)
    {
        using var fs = File.Create(path);
        using var bw = new BinaryWriter(fs);
        string header = "ply\nformat binary_little_endian 1.0\ncomment synthetic head ground truth (XML units)\n" +
                        $"element vertex {mesh.VertexCount}\nproperty float x\nproperty float y\nproperty float z\n" +
                        $"element face {mesh.TriangleCount}\nproperty list uchar int vertex_indices\nend_header\n";
        bw.Write(System.Text.Encoding.ASCII.GetBytes(header));
        foreach (float v in mesh.Vertices) bw.Write(v);
        for (int t = 0; t < mesh.TriangleCount; t++)
        {
            bw.Write((byte)3);
            bw.Write(mesh.Triangles[3 * t]);
            bw.Write(mesh.Triangles[3 * t + 1]);
            bw.Write(mesh.Triangles[3 * t + 2]);
        }
    }

    /// <summary>Reads back what Write produced (vertices only), for tests and tools.</summary>
    public static float[] ReadVertices(string path)
    {
        using var fs = File.OpenRead(path);
        var headerBytes = new List<byte>();
        while (true)
        {
            int b = fs.ReadByte();
            if (b < 0) throw new DatasetException($"{path}: truncated PLY header");
            headerBytes.Add((byte)b);
            if (headerBytes.Count >= 11 && System.Text.Encoding.ASCII.GetString(headerBytes.ToArray()).EndsWith("end_header\n", StringComparison.Ordinal)) break;
        }
        string header = System.Text.Encoding.ASCII.GetString(headerBytes.ToArray());
        int nv = int.Parse(header.Split('\n').First(l => l.StartsWith("element vertex", StringComparison.Ordinal)).Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
        using var br = new BinaryReader(fs);
        var v = new float[nv * 3];
        for (int i = 0; i < v.Length; i++) v[i] = br.ReadSingle();
        return v;
    }
}
