namespace HeadRecon.Meshing;

/// <summary>
/// An indexed triangle mesh: xyz-interleaved float vertices, three vertex indices per triangle,
/// optional rgb colour per vertex. Immutable by convention: operations return new meshes.
/// Triangles are counter-clockwise seen from outside (right-hand normal points outward).
/// </summary>
public sealed class Mesh
{
    public float[] Vertices { get; }
    public int[] Faces { get; }
    /// <summary>rgb per vertex (3 bytes each), or null.</summary>
    public byte[]? Colors { get; }

    public int VertexCount => Vertices.Length / 3;
    public int FaceCount => Faces.Length / 3;

    public Mesh(float[] vertices, int[] faces, byte[]? colors = null)
    {
        ArgumentNullException.ThrowIfNull(vertices);
        ArgumentNullException.ThrowIfNull(faces);
        if (vertices.Length % 3 != 0) throw new ArgumentException($"vertex array length {vertices.Length} is not a multiple of 3", nameof(vertices));
        if (faces.Length % 3 != 0) throw new ArgumentException($"face array length {faces.Length} is not a multiple of 3", nameof(faces));
        if (colors is not null && colors.Length != vertices.Length)
            throw new ArgumentException($"colour array length {colors.Length} does not match 3 x {vertices.Length / 3} vertices", nameof(colors));
        int n = vertices.Length / 3;
        foreach (int f in faces)
            if ((uint)f >= (uint)n) throw new ArgumentException($"face index {f} out of range [0, {n})", nameof(faces));
        Vertices = vertices;
        Faces = faces;
        Colors = colors;
    }

    public static Mesh Empty { get; } = new([], []);

    public Mesh WithColors(byte[]? colors) => new(Vertices, Faces, colors);

    /// <summary>Returns a copy with every vertex mapped to v * scale + translation (colours and faces kept).</summary>
    public Mesh Transformed(double scale, (double X, double Y, double Z) translation)
    {
        var v = new float[Vertices.Length];
        for (int i = 0; i < v.Length; i += 3)
        {
            v[i] = (float)(Vertices[i] * scale + translation.X);
            v[i + 1] = (float)(Vertices[i + 1] * scale + translation.Y);
            v[i + 2] = (float)(Vertices[i + 2] * scale + translation.Z);
        }
        // A negative scale mirrors the mesh; flip the winding so normals still point outward.
        int[] faces = scale < 0 ? FlippedFaces() : Faces;
        return new Mesh(v, faces, Colors);
    }

    /// <summary>
    /// A coarser copy for display (vertex clustering): vertices are merged per cell of a uniform grid, coarse enough
    /// that at most about <paramref name="maxVertices"/> remain, at the mean position (and colour) of their cluster;
    /// triangles that collapse are dropped. Returns this mesh when it is already small enough. Not for metrics.
    /// </summary>
    public Mesh SimplifiedForDisplay(int maxVertices) => SimplifiedForDisplay(maxVertices, out _);

    /// <inheritdoc cref="SimplifiedForDisplay(int)"/>
    /// <param name="clusterOf">for each original vertex, its vertex in the result (null when nothing was merged); use
    /// <see cref="AverageByCluster(float[], int[], int)"/> to carry per-vertex values along.</param>
    public Mesh SimplifiedForDisplay(int maxVertices, out int[]? clusterOf)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxVertices, 4);
        clusterOf = null;
        if (VertexCount <= maxVertices) return this;
        var (min, max) = Bounds();
        double extent = Math.Max(max.X - min.X, Math.Max(max.Y - min.Y, max.Z - min.Z));
        // A closed surface in a g³ grid occupies roughly 2·g² cells; start there and coarsen until it fits.
        int g = Math.Max(2, (int)Math.Sqrt(maxVertices / 2.0));
        while (true)
        {
            double cell = extent / g * (1 + 1e-9);
            var cluster = new int[VertexCount];
            var index = new Dictionary<(int, int, int), int>();
            for (int i = 0; i < VertexCount; i++)
            {
                var key = ((int)((Vertices[3 * i] - min.X) / cell), (int)((Vertices[3 * i + 1] - min.Y) / cell), (int)((Vertices[3 * i + 2] - min.Z) / cell));
                if (!index.TryGetValue(key, out int c)) { c = index.Count; index[key] = c; }
                cluster[i] = c;
            }
            if (index.Count > maxVertices && g > 2) { g = Math.Max(2, (int)(g * 0.85)); continue; }
            int n = index.Count;
            var v = Array.ConvertAll(ClusterMeans(n, cluster, 3, j => Vertices[j]), m => (float)m);
            var colors = Colors is null ? null : Array.ConvertAll(ClusterMeans(n, cluster, 3, j => Colors[j]), m => (byte)Math.Round(m));
            var faces = new List<int>(Faces.Length / 4);
            for (int t = 0; t < FaceCount; t++)
            {
                int a = cluster[Faces[3 * t]], b = cluster[Faces[3 * t + 1]], c = cluster[Faces[3 * t + 2]];
                if (a != b && b != c && a != c) { faces.Add(a); faces.Add(b); faces.Add(c); }
            }
            clusterOf = cluster;
            return new Mesh(v, [.. faces], colors);
        }
    }

    /// <summary>Per-vertex values (<paramref name="width"/> per vertex) averaged over the clusters of <see cref="SimplifiedForDisplay(int, out int[])"/>.</summary>
    public static float[] AverageByCluster(float[] values, int[] clusterOf, int width = 1) =>
        Array.ConvertAll(ClusterMeans(clusterOf.Length == 0 ? 0 : clusterOf.Max() + 1, clusterOf, width, j => values[j]), m => (float)m);

    /// <summary>Mean over each of <paramref name="clusters"/> clusters of the <paramref name="width"/> values per element
    /// (element i's k-th value is value(i·width + k)), in double.</summary>
    static double[] ClusterMeans(int clusters, int[] clusterOf, int width, Func<int, double> value)
    {
        var sum = new double[clusters * width];
        var count = new int[clusters];
        for (int i = 0; i < clusterOf.Length; i++)
        {
            count[clusterOf[i]]++;
            for (int k = 0; k < width; k++) sum[clusterOf[i] * width + k] += value(i * width + k);
        }
        for (int c = 0; c < clusters; c++)
            for (int k = 0; k < width; k++) sum[c * width + k] /= Math.Max(1, count[c]);
        return sum;
    }

    /// <summary>Returns a copy with every triangle's winding reversed (normals flipped).</summary>
    public Mesh Flipped() => new(Vertices, FlippedFaces(), Colors);

    int[] FlippedFaces()
    {
        var f = (int[])Faces.Clone();
        for (int i = 0; i < f.Length; i += 3) (f[i + 1], f[i + 2]) = (f[i + 2], f[i + 1]);
        return f;
    }

    /// <summary>
    /// The connected component (triangles linked through shared vertices) with the largest surface area, as the
    /// original picks after marching cubes (trimesh split, argmax of area); ties go to the component of the
    /// lowest-numbered triangle. Unreferenced vertices are dropped.
    /// </summary>
    public Mesh LargestComponent()
    {
        if (FaceCount == 0) return Empty;
        var parent = new int[VertexCount];
        for (int i = 0; i < parent.Length; i++) parent[i] = i;
        for (int f = 0; f < Faces.Length; f += 3)
        {
            Union(parent, Faces[f], Faces[f + 1]);
            Union(parent, Faces[f], Faces[f + 2]);
        }
        var areas = FaceAreas();
        var areaByRoot = new Dictionary<int, double>();
        for (int t = 0; t < FaceCount; t++)
        {
            int r = Find(parent, Faces[t * 3]);
            areaByRoot[r] = areaByRoot.GetValueOrDefault(r) + areas[t];
        }
        // Scan in face order so ties resolve to the earliest triangle's component.
        int bestRoot = -1;
        double bestArea = double.NegativeInfinity;
        for (int t = 0; t < FaceCount; t++)
        {
            int r = Find(parent, Faces[t * 3]);
            if (areaByRoot[r] > bestArea) { bestArea = areaByRoot[r]; bestRoot = r; }
        }
        var keep = new List<int>();
        for (int f = 0; f < Faces.Length; f += 3)
            if (Find(parent, Faces[f]) == bestRoot) { keep.Add(Faces[f]); keep.Add(Faces[f + 1]); keep.Add(Faces[f + 2]); }
        return new Mesh(Vertices, keep.ToArray(), Colors).WithoutUnreferencedVertices();
    }

    static int Find(int[] parent, int i)
    {
        while (parent[i] != i) { parent[i] = parent[parent[i]]; i = parent[i]; }
        return i;
    }

    static void Union(int[] parent, int a, int b)
    {
        a = Find(parent, a); b = Find(parent, b);
        if (a != b) { if (a < b) parent[b] = a; else parent[a] = b; }
    }

    /// <summary>Drops vertices no triangle uses and renumbers the rest, keeping their order.</summary>
    public Mesh WithoutUnreferencedVertices()
    {
        var map = new int[VertexCount];
        Array.Fill(map, -1);
        foreach (int i in Faces) map[i] = 0;
        int next = 0;
        for (int i = 0; i < map.Length; i++) if (map[i] == 0) map[i] = next++;
        if (next == VertexCount) return this;
        var v = new float[next * 3];
        byte[]? c = Colors is null ? null : new byte[next * 3];
        for (int i = 0; i < map.Length; i++)
        {
            int j = map[i];
            if (j < 0) continue;
            Array.Copy(Vertices, i * 3, v, j * 3, 3);
            if (c is not null) Array.Copy(Colors!, i * 3, c, j * 3, 3);
        }
        var f = new int[Faces.Length];
        for (int i = 0; i < f.Length; i++) f[i] = map[Faces[i]];
        return new Mesh(v, f, c);
    }

    /// <summary>Area of every triangle, in squared mesh units.</summary>
    public double[] FaceAreas()
    {
        var areas = new double[FaceCount];
        for (int t = 0; t < areas.Length; t++)
        {
            var (nx, ny, nz) = FaceCross(t);
            areas[t] = 0.5 * Math.Sqrt(nx * nx + ny * ny + nz * nz);
        }
        return areas;
    }

    public double SurfaceArea() => FaceAreas().Sum();

    /// <summary>
    /// Signed enclosed volume (divergence theorem). Positive for a closed mesh whose triangles wind
    /// counter-clockwise seen from outside; meaningful only for closed meshes.
    /// </summary>
    public double SignedVolume()
    {
        double vol = 0;
        for (int f = 0; f < Faces.Length; f += 3)
        {
            int a = Faces[f] * 3, b = Faces[f + 1] * 3, c = Faces[f + 2] * 3;
            double ax = Vertices[a], ay = Vertices[a + 1], az = Vertices[a + 2];
            double bx = Vertices[b], by = Vertices[b + 1], bz = Vertices[b + 2];
            double cx = Vertices[c], cy = Vertices[c + 1], cz = Vertices[c + 2];
            vol += ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx);
        }
        return vol / 6.0;
    }

    /// <summary>Axis-aligned bounds of all vertices; both corners are zero for an empty mesh.</summary>
    public ((double X, double Y, double Z) Min, (double X, double Y, double Z) Max) Bounds()
    {
        if (VertexCount == 0) return ((0, 0, 0), (0, 0, 0));
        double minX = double.PositiveInfinity, minY = double.PositiveInfinity, minZ = double.PositiveInfinity;
        double maxX = double.NegativeInfinity, maxY = double.NegativeInfinity, maxZ = double.NegativeInfinity;
        for (int i = 0; i < Vertices.Length; i += 3)
        {
            double x = Vertices[i], y = Vertices[i + 1], z = Vertices[i + 2];
            if (x < minX) minX = x; if (x > maxX) maxX = x;
            if (y < minY) minY = y; if (y > maxY) maxY = y;
            if (z < minZ) minZ = z; if (z > maxZ) maxZ = z;
        }
        return ((minX, minY, minZ), (maxX, maxY, maxZ));
    }

    /// <summary>Length of the bounding-box diagonal.</summary>
    public double BoundsDiagonal()
    {
        var (min, max) = Bounds();
        double dx = max.X - min.X, dy = max.Y - min.Y, dz = max.Z - min.Z;
        return Math.Sqrt(dx * dx + dy * dy + dz * dz);
    }

    /// <summary>Unit normal of every triangle (xyz interleaved); zero for degenerate triangles.</summary>
    public float[] FaceNormals()
    {
        var n = new float[Faces.Length];
        for (int t = 0; t < FaceCount; t++)
        {
            var (x, y, z) = FaceCross(t);
            double len = Math.Sqrt(x * x + y * y + z * z);
            if (len > 0) { n[t * 3] = (float)(x / len); n[t * 3 + 1] = (float)(y / len); n[t * 3 + 2] = (float)(z / len); }
        }
        return n;
    }

    /// <summary>
    /// Unit normal per vertex (xyz interleaved): the area-weighted sum of adjacent face normals, normalised.
    /// Zero for vertices without non-degenerate faces.
    /// </summary>
    public float[] VertexNormals()
    {
        var acc = new double[Vertices.Length];
        for (int t = 0; t < FaceCount; t++)
        {
            // The unnormalised cross product is already weighted by twice the area.
            var (x, y, z) = FaceCross(t);
            for (int k = 0; k < 3; k++)
            {
                int v = Faces[t * 3 + k] * 3;
                acc[v] += x; acc[v + 1] += y; acc[v + 2] += z;
            }
        }
        var n = new float[Vertices.Length];
        for (int i = 0; i < n.Length; i += 3)
        {
            double len = Math.Sqrt(acc[i] * acc[i] + acc[i + 1] * acc[i + 1] + acc[i + 2] * acc[i + 2]);
            if (len > 0) { n[i] = (float)(acc[i] / len); n[i + 1] = (float)(acc[i + 1] / len); n[i + 2] = (float)(acc[i + 2] / len); }
        }
        return n;
    }

    /// <summary>
    /// Counts undirected edges used by exactly one triangle (boundary) and by more than two (non-manifold).
    /// A closed manifold mesh has (0, 0).
    /// </summary>
    public (int Boundary, int NonManifold) CountOpenEdges()
    {
        var uses = new Dictionary<long, int>(Faces.Length);
        for (int f = 0; f < Faces.Length; f += 3)
            for (int k = 0; k < 3; k++)
            {
                int a = Faces[f + k], b = Faces[f + (k + 1) % 3];
                long key = a < b ? ((long)a << 32) | (uint)b : ((long)b << 32) | (uint)a;
                uses[key] = uses.TryGetValue(key, out int c) ? c + 1 : 1;
            }
        int boundary = 0, nonManifold = 0;
        foreach (int c in uses.Values)
        {
            if (c == 1) boundary++;
            else if (c > 2) nonManifold++;
        }
        return (boundary, nonManifold);
    }

    /// <summary>
    /// Counts directed edges that appear twice with the same direction: zero when every pair of
    /// neighbouring triangles winds consistently.
    /// </summary>
    public int CountInconsistentlyOrientedEdges()
    {
        var seen = new HashSet<long>(Faces.Length);
        int bad = 0;
        for (int f = 0; f < Faces.Length; f += 3)
            for (int k = 0; k < 3; k++)
            {
                int a = Faces[f + k], b = Faces[f + (k + 1) % 3];
                if (!seen.Add(((long)a << 32) | (uint)b)) bad++;
            }
        return bad;
    }

    (double X, double Y, double Z) FaceCross(int t)
    {
        int a = Faces[t * 3] * 3, b = Faces[t * 3 + 1] * 3, c = Faces[t * 3 + 2] * 3;
        double ux = Vertices[b] - Vertices[a], uy = Vertices[b + 1] - Vertices[a + 1], uz = Vertices[b + 2] - Vertices[a + 2];
        double vx = Vertices[c] - Vertices[a], vy = Vertices[c + 1] - Vertices[a + 1], vz = Vertices[c + 2] - Vertices[a + 2];
        return (uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
    }
}
