namespace HeadRecon.Meshing;

/// <summary>
/// Marching cubes (Lorensen and Cline) over a regular grid of signed distances, negative inside.
/// <para>
/// Grid layout: value of grid point (ix, iy, iz) is at <c>values[(ix * ny + iy) * nz + iz]</c> (C order over
/// [x][y][z], as numpy's <c>meshgrid(..., indexing="ij")</c> flattened), at position origin + (ix, iy, iz) * spacing.
/// </para>
/// <para>
/// A grid point is inside when its value is strictly below the level. Vertices sit on grid edges and are shared
/// by every triangle touching that edge, so the output is closed wherever the surface does not leave the grid.
/// The per-case triangulation is generated (not typed in): on each cube face the crossing points are joined so that
/// inside corners on a face diagonal stay separated, which both cubes sharing the face agree on, and loops are
/// triangulated without diagonals lying in a cube face; this makes the mesh crack-free and edge-manifold even in
/// the ambiguous cases. Triangles wind counter-clockwise seen from outside.
/// </para>
/// Extraction streams over x slices, so memory is two slices of values plus edge-vertex maps plus the mesh.
/// </summary>
public static class MarchingCubes
{
    // Corner c of a cell is at offset (c & 1, (c >> 1) & 1, (c >> 2) & 1).
    // Edge e joins EdgeCorners[e].A (lower) to .B, along axis EdgeAxis[e] (0 = x, 1 = y, 2 = z).
    static readonly (int A, int B)[] EdgeCorners =
    [
        (0, 1), (2, 3), (4, 5), (6, 7),   // along x
        (0, 2), (1, 3), (4, 6), (5, 7),   // along y
        (0, 4), (1, 5), (2, 6), (3, 7),   // along z
    ];

    static readonly int[] EdgeAxis = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];

    /// <summary>Extracts the level set of a dense grid (layout in the class remarks).</summary>
    public static Mesh Extract(float[] values, int nx, int ny, int nz,
        (double X, double Y, double Z) origin, (double X, double Y, double Z) spacing, float level = 0f)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (nx < 2 || ny < 2 || nz < 2) throw new ArgumentException($"grid {nx}x{ny}x{nz} needs at least 2 points per axis");
        if ((long)nx * ny * nz != values.Length) throw new ArgumentException($"values has {values.Length} entries, grid {nx}x{ny}x{nz} needs {(long)nx * ny * nz}", nameof(values));
        int slice = ny * nz;
        return ExtractSlices((ix, dest) => Array.Copy(values, (long)ix * slice, dest, 0, slice), nx, ny, nz, origin, spacing, level);
    }

    /// <summary>
    /// Extracts the zero level (or <paramref name="level"/>) of an SDF evaluated on a grid of
    /// <paramref name="resolution"/> points per axis spanning [min, max] (both ends included).
    /// The SDF is queried one x slice at a time, in batches of at most <paramref name="chunkPoints"/> points
    /// (several whole slices per call when they fit), so the full grid of points never exists at once.
    /// </summary>
    /// <param name="sdfBatch">Takes xyz-interleaved points (3n floats), returns n signed distances (negative inside).</param>
    public static Mesh ExtractFromFunction(Func<float[], float[]> sdfBatch, double[] min, double[] max, int resolution,
        int chunkPoints = 65536, float level = 0f)
    {
        ArgumentNullException.ThrowIfNull(sdfBatch);
        if (min is not { Length: 3 } || max is not { Length: 3 }) throw new ArgumentException("min and max must have 3 entries");
        if (resolution < 2) throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "need at least 2 points per axis");
        if (chunkPoints < 1) throw new ArgumentOutOfRangeException(nameof(chunkPoints), chunkPoints, "must be positive");
        int n = resolution;
        var origin = (min[0], min[1], min[2]);
        var spacing = ((max[0] - min[0]) / (n - 1), (max[1] - min[1]) / (n - 1), (max[2] - min[2]) / (n - 1));
        var sampler = new SlabSampler(sdfBatch, n, origin, spacing, chunkPoints);
        return ExtractSlices(sampler.Fill, n, n, n, origin, spacing, level);
    }

    /// <summary>
    /// The same extraction as <see cref="ExtractFromFunction"/>, evaluating the SDF only near the surface: a coarse grid
    /// (every <paramref name="coarseStep"/>-th point per axis) is evaluated first, and the fine points of a coarse cell
    /// are evaluated only when the cell may hold surface: its corners change sign or one lies within
    /// <paramref name="slope"/> × (half the cell's diagonal + one fine diagonal) of the level. Elsewhere the fine values
    /// are the coarse cell's trilinear interpolation, which keeps the corners' common sign. For an SDF whose slope is at
    /// most <paramref name="slope"/> (a trained SDF's is about 1: the eikonal term) every fine point outside the band has
    /// that sign and so have its grid neighbours, so no edge touching it crosses the level: the mesh equals the dense one
    /// while far fewer points are evaluated (a head's band is a small part of its box).
    /// </summary>
    /// <param name="evaluated">Receives the number of points the SDF was evaluated at (coarse and fine).</param>
    public static Mesh ExtractNarrowBand(Func<float[], float[]> sdfBatch, double[] min, double[] max, int resolution,
        out long evaluated, int coarseStep = 4, double slope = 1.5, int chunkPoints = 65536, float level = 0f)
    {
        ArgumentNullException.ThrowIfNull(sdfBatch);
        if (min is not { Length: 3 } || max is not { Length: 3 }) throw new ArgumentException("min and max must have 3 entries");
        if (resolution < 2) throw new ArgumentOutOfRangeException(nameof(resolution), resolution, "need at least 2 points per axis");
        ArgumentOutOfRangeException.ThrowIfLessThan(coarseStep, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkPoints, 1);
        int n = resolution;
        var origin = (min[0], min[1], min[2]);
        var spacing = ((max[0] - min[0]) / (n - 1), (max[1] - min[1]) / (n - 1), (max[2] - min[2]) / (n - 1));
        if (coarseStep == 1 || n <= 2 * coarseStep)
        {
            evaluated = (long)n * n * n;
            return ExtractSlices(new SlabSampler(sdfBatch, n, origin, spacing, chunkPoints).Fill, n, n, n, origin, spacing, level);
        }
        var band = new NarrowBandSampler(sdfBatch, n, origin, spacing, chunkPoints, coarseStep, slope, level);
        var mesh = ExtractSlices(band.Fill, n, n, n, origin, spacing, level);
        evaluated = band.Evaluated;
        return mesh;
    }

    /// <summary>Grid coordinate along one axis, computed the same way for dense and streamed extraction.</summary>
    public static float GridCoordinate(double origin, double spacing, int index) => (float)(origin + index * spacing);

    /// <summary>
    /// Evaluates the SDF for consecutive x slices. When whole slices fit in a chunk it evaluates several per call
    /// (bigger batches for the network) and hands them out one by one.
    /// </summary>
    sealed class SlabSampler(Func<float[], float[]> sdf, int n, (double X, double Y, double Z) origin,
        (double X, double Y, double Z) spacing, int chunkPoints)
    {
        readonly int _sliceSize = n * n;
        float[]? _pending;       // values of slices [pendingFirst, pendingFirst + pendingCount)
        int _pendingFirst = -1, _pendingCount;

        public void Fill(int ix, float[] dest)
        {
            if (_pending is not null && ix >= _pendingFirst && ix < _pendingFirst + _pendingCount)
            {
                Array.Copy(_pending, (long)(ix - _pendingFirst) * _sliceSize, dest, 0, _sliceSize);
                return;
            }
            int slicesPerCall = Math.Max(1, chunkPoints / _sliceSize);
            if (slicesPerCall == 1)
            {
                _pending = null;
                // Slice larger than a chunk: evaluate it in chunk-sized pieces straight into dest.
                for (int start = 0; start < _sliceSize; start += chunkPoints)
                {
                    int count = Math.Min(chunkPoints, _sliceSize - start);
                    var values = Evaluate(ix, start, count);
                    Array.Copy(values, 0, dest, start, count);
                }
                return;
            }
            int slices = Math.Min(slicesPerCall, n - ix);
            _pendingFirst = ix;
            _pendingCount = slices;
            _pending = Evaluate(ix, 0, slices * _sliceSize);
            Array.Copy(_pending, 0, dest, 0, _sliceSize);
        }

        /// <summary>Evaluates <paramref name="count"/> grid points starting at flat index firstIx * n² + start.</summary>
        float[] Evaluate(int firstIx, int start, int count)
        {
            var pts = new float[count * 3];
            for (int k = 0; k < count; k++)
            {
                int flat = start + k;
                int ix = firstIx + flat / _sliceSize, rem = flat % _sliceSize;
                int iy = rem / n, iz = rem % n;
                pts[k * 3] = GridCoordinate(origin.X, spacing.X, ix);
                pts[k * 3 + 1] = GridCoordinate(origin.Y, spacing.Y, iy);
                pts[k * 3 + 2] = GridCoordinate(origin.Z, spacing.Z, iz);
            }
            var values = sdf(pts) ?? throw new InvalidOperationException("SDF function returned null");
            if (values.Length != count) throw new InvalidOperationException($"SDF function returned {values.Length} values for {count} points");
            return values;
        }
    }

    /// <summary>
    /// Fine values for <see cref="ExtractNarrowBand"/>: evaluated inside the band, interpolated from the coarse grid
    /// outside it. Serves one coarse slab (the fine x slices of one coarse cell) at a time.
    /// </summary>
    sealed class NarrowBandSampler
    {
        readonly Func<float[], float[]> _sdf;
        readonly int _n, _m, _chunk;
        readonly (double X, double Y, double Z) _origin, _spacing;
        readonly int[] _coarse;      // fine index of each coarse plane (every step-th, and the last)
        readonly int[] _cellOf;      // fine index → the coarse cell holding it (0 … m − 2)
        readonly float[] _coarseValues;
        readonly bool[] _band;       // per coarse cell
        float[]? _slab;
        int _slabCell = -1, _slabFirst;

        public long Evaluated { get; private set; }

        public NarrowBandSampler(Func<float[], float[]> sdf, int n, (double X, double Y, double Z) origin,
            (double X, double Y, double Z) spacing, int chunk, int step, double slope, float level)
        {
            (_sdf, _n, _origin, _spacing, _chunk) = (sdf, n, origin, spacing, chunk);
            var planes = new List<int>();
            for (int i = 0; i < n - 1; i += step) planes.Add(i);
            planes.Add(n - 1);
            _coarse = [.. planes];
            _m = _coarse.Length;
            _cellOf = new int[n];
            for (int c = 0, i = 0; i < n; i++)
            {
                while (c < _m - 2 && i >= _coarse[c + 1]) c++;
                _cellOf[i] = c;
            }
            _coarseValues = EvaluateCoarse();
            double fine = Math.Sqrt(spacing.X * spacing.X + spacing.Y * spacing.Y + spacing.Z * spacing.Z);
            _band = BandCells((float)(slope * (step * fine / 2 + fine)), level);
        }

        int CoarseIndex(int a, int b, int c) => (a * _m + b) * _m + c;

        float[] EvaluateCoarse()
        {
            var values = new float[_m * _m * _m];
            var pts = new List<float>(3 * Math.Min(_chunk, values.Length));
            var index = new List<int>();
            for (int a = 0; a < _m; a++)
                for (int b = 0; b < _m; b++)
                    for (int c = 0; c < _m; c++)
                    {
                        pts.Add(GridCoordinate(_origin.X, _spacing.X, _coarse[a]));
                        pts.Add(GridCoordinate(_origin.Y, _spacing.Y, _coarse[b]));
                        pts.Add(GridCoordinate(_origin.Z, _spacing.Z, _coarse[c]));
                        index.Add(CoarseIndex(a, b, c));
                        if (index.Count == _chunk) Flush(pts, index, values);
                    }
            Flush(pts, index, values);
            return values;
        }

        void Flush(List<float> pts, List<int> index, float[] into)
        {
            if (index.Count == 0) return;
            var v = _sdf([.. pts]) ?? throw new InvalidOperationException("SDF function returned null");
            if (v.Length != index.Count) throw new InvalidOperationException($"SDF function returned {v.Length} values for {index.Count} points");
            for (int k = 0; k < v.Length; k++) into[index[k]] = v[k];
            Evaluated += v.Length;
            pts.Clear();
            index.Clear();
        }

        bool[] BandCells(float margin, float level)
        {
            int cells = _m - 1;
            var raw = new bool[cells * cells * cells];
            for (int a = 0; a < cells; a++)
                for (int b = 0; b < cells; b++)
                    for (int c = 0; c < cells; c++)
                    {
                        bool below = false, above = false, near = false;
                        for (int corner = 0; corner < 8; corner++)
                        {
                            float v = _coarseValues[CoarseIndex(a + (corner & 1), b + ((corner >> 1) & 1), c + ((corner >> 2) & 1))] - level;
                            // NaN counts as near: the fine points decide.
                            if (!(Math.Abs(v) >= margin)) near = true;
                            if (v < 0) below = true; else above = true;
                        }
                        raw[(a * cells + b) * cells + c] = near || (below && above);
                    }
            return raw;
        }

        public void Fill(int ix, float[] dest)
        {
            int cell = _cellOf[ix];
            if (cell != _slabCell) LoadSlab(cell);
            Array.Copy(_slab!, (long)(ix - _slabFirst) * _n * _n, dest, 0, _n * _n);
        }

        void LoadSlab(int a)
        {
            int first = _coarse[a], last = a == _m - 2 ? _n - 1 : _coarse[a + 1] - 1;
            int slice = _n * _n, cells = _m - 1;
            var slab = new float[(last - first + 1) * slice];
            var pts = new List<float>();
            var index = new List<int>();
            for (int ix = first; ix <= last; ix++)
                for (int iy = 0; iy < _n; iy++)
                    for (int iz = 0; iz < _n; iz++)
                    {
                        int b = _cellOf[iy], c = _cellOf[iz];
                        int flat = (ix - first) * slice + iy * _n + iz;
                        if (_band[(a * cells + b) * cells + c])
                        {
                            pts.Add(GridCoordinate(_origin.X, _spacing.X, ix));
                            pts.Add(GridCoordinate(_origin.Y, _spacing.Y, iy));
                            pts.Add(GridCoordinate(_origin.Z, _spacing.Z, iz));
                            index.Add(flat);
                            if (index.Count == _chunk) Flush(pts, index, slab);
                        }
                        else slab[flat] = Interpolate(a, b, c, ix, iy, iz);
                    }
            Flush(pts, index, slab);
            (_slab, _slabCell, _slabFirst) = (slab, a, first);
        }

        float Interpolate(int a, int b, int c, int ix, int iy, int iz)
        {
            double tx = (double)(ix - _coarse[a]) / (_coarse[a + 1] - _coarse[a]);
            double ty = (double)(iy - _coarse[b]) / (_coarse[b + 1] - _coarse[b]);
            double tz = (double)(iz - _coarse[c]) / (_coarse[c + 1] - _coarse[c]);
            double v = 0;
            for (int corner = 0; corner < 8; corner++)
            {
                int dx = corner & 1, dy = (corner >> 1) & 1, dz = (corner >> 2) & 1;
                double w = (dx == 1 ? tx : 1 - tx) * (dy == 1 ? ty : 1 - ty) * (dz == 1 ? tz : 1 - tz);
                v += w * _coarseValues[CoarseIndex(a + dx, b + dy, c + dz)];
            }
            return (float)v;
        }
    }

    /// <summary>
    /// Core streaming extraction. <paramref name="fillSlice"/> writes the ny*nz values of slice ix (index iy*nz+iz);
    /// it is called once per slice, in increasing ix.
    /// </summary>
    static Mesh ExtractSlices(Action<int, float[]> fillSlice, int nx, int ny, int nz,
        (double X, double Y, double Z) origin, (double X, double Y, double Z) spacing, float level)
    {
        int slice = ny * nz;
        var lo = new float[slice];
        var hi = new float[slice];
        // Vertex id of the crossing on each grid edge, -1 if none yet. y/z edges live within a slice
        // (indexed by their lower grid point); x edges join slice ix to ix+1.
        var yEdgeLo = new int[slice]; var zEdgeLo = new int[slice];
        var yEdgeHi = new int[slice]; var zEdgeHi = new int[slice];
        var xEdge = new int[slice];
        Array.Fill(yEdgeLo, -1); Array.Fill(zEdgeLo, -1);

        var verts = new List<float>();
        var faces = new List<int>();
        var cornerValues = new float[8];
        var edgeVertex = new int[12];

        fillSlice(0, lo);
        for (int ix = 0; ix < nx - 1; ix++)
        {
            fillSlice(ix + 1, hi);
            Array.Fill(yEdgeHi, -1); Array.Fill(zEdgeHi, -1); Array.Fill(xEdge, -1);
            for (int iy = 0; iy < ny - 1; iy++)
            {
                for (int iz = 0; iz < nz - 1; iz++)
                {
                    int p00 = iy * nz + iz, p10 = p00 + nz, p01 = p00 + 1, p11 = p10 + 1;
                    // Corner order follows bit layout: bit0 = +x, bit1 = +y, bit2 = +z.
                    cornerValues[0] = lo[p00]; cornerValues[1] = hi[p00];
                    cornerValues[2] = lo[p10]; cornerValues[3] = hi[p10];
                    cornerValues[4] = lo[p01]; cornerValues[5] = hi[p01];
                    cornerValues[6] = lo[p11]; cornerValues[7] = hi[p11];
                    int mask = 0;
                    for (int c = 0; c < 8; c++) if (cornerValues[c] < level) mask |= 1 << c;
                    if (mask == 0 || mask == 255) continue;
                    var tris = TriangleTable[mask];
                    if (tris.Length == 0) continue;
                    for (int e = 0; e < 12; e++) edgeVertex[e] = -1;
                    foreach (int e in tris)
                    {
                        if (edgeVertex[e] >= 0) continue;
                        var (a, b) = EdgeCorners[e];
                        int dx = a & 1, dy = (a >> 1) & 1, dz = (a >> 2) & 1;
                        int[] map; int idx;
                        switch (EdgeAxis[e])
                        {
                            case 0: map = xEdge; idx = (iy + dy) * nz + iz + dz; break;
                            case 1: map = dx == 0 ? yEdgeLo : yEdgeHi; idx = iy * nz + iz + dz; break;
                            default: map = dx == 0 ? zEdgeLo : zEdgeHi; idx = (iy + dy) * nz + iz; break;
                        }
                        int id = map[idx];
                        if (id < 0)
                        {
                            float va = cornerValues[a], vb = cornerValues[b];
                            double t = (level - va) / ((double)vb - va);
                            if (!double.IsFinite(t)) t = 0.5;   // NaN/inf values: place the vertex mid-edge
                            t = Math.Clamp(t, 0.0, 1.0);
                            double gx = ix + dx, gy = iy + dy, gz = iz + dz;
                            switch (EdgeAxis[e]) { case 0: gx += t; break; case 1: gy += t; break; default: gz += t; break; }
                            id = verts.Count / 3;
                            verts.Add((float)(origin.X + gx * spacing.X));
                            verts.Add((float)(origin.Y + gy * spacing.Y));
                            verts.Add((float)(origin.Z + gz * spacing.Z));
                            map[idx] = id;
                        }
                        edgeVertex[e] = id;
                    }
                    foreach (int e in tris) faces.Add(edgeVertex[e]);
                }
            }
            (lo, hi) = (hi, lo);
            (yEdgeLo, yEdgeHi) = (yEdgeHi, yEdgeLo);
            (zEdgeLo, zEdgeHi) = (zEdgeHi, zEdgeLo);
        }
        return new Mesh(verts.ToArray(), faces.ToArray());
    }

    // ---- Table generation -------------------------------------------------------------------------------

    // Each cube face: its four corners in cyclic order (consecutive corners share an edge) and outward normal.
    static readonly (int[] Corners, int Nx, int Ny, int Nz)[] CubeFaces =
    [
        ([0, 2, 6, 4], -1, 0, 0), ([1, 3, 7, 5], 1, 0, 0),
        ([0, 1, 5, 4], 0, -1, 0), ([2, 3, 7, 6], 0, 1, 0),
        ([0, 1, 3, 2], 0, 0, -1), ([4, 5, 7, 6], 0, 0, 1),
    ];

    /// <summary>Edge indices, three per triangle, for each of the 256 inside/outside corner patterns.
    /// Declared after the tables it is built from: static initialisers run in text order.</summary>
    static readonly int[][] TriangleTable = BuildTriangleTable();

    static (double X, double Y, double Z) CornerPosition(int c) => (c & 1, (c >> 1) & 1, (c >> 2) & 1);

    static int EdgeBetween(int a, int b)
    {
        for (int e = 0; e < 12; e++)
            if ((EdgeCorners[e].A == a && EdgeCorners[e].B == b) || (EdgeCorners[e].A == b && EdgeCorners[e].B == a)) return e;
        throw new InvalidOperationException($"corners {a} and {b} are not adjacent");
    }

    static (double X, double Y, double Z) EdgeMidpoint(int e)
    {
        var a = CornerPosition(EdgeCorners[e].A);
        var b = CornerPosition(EdgeCorners[e].B);
        return ((a.X + b.X) / 2, (a.Y + b.Y) / 2, (a.Z + b.Z) / 2);
    }

    /// <summary>
    /// For every corner pattern: on each cube face, join the crossing points into directed segments with the inside
    /// on the right seen from outside the cube; chain the segments (each crossing has one in and one out) into loops
    /// and fan-triangulate each loop. The direction rule gives outward counter-clockwise triangles, and since a face's
    /// segments depend only on that face's corners, neighbouring cubes produce matching (opposite) boundary edges.
    /// </summary>
    static int[][] BuildTriangleTable()
    {
        var table = new int[256][];
        for (int mask = 0; mask < 256; mask++)
        {
            var next = new int[12];
            Array.Fill(next, -1);
            foreach (var (corners, nxf, nyf, nzf) in CubeFaces)
            {
                bool Inside(int k) => (mask >> corners[k & 3] & 1) != 0;
                int FaceEdge(int k) => EdgeBetween(corners[k & 3], corners[(k + 1) & 3]);
                var crossings = new List<int>();
                for (int k = 0; k < 4; k++) if (Inside(k) != Inside(k + 1)) crossings.Add(k);
                if (crossings.Count == 2)
                {
                    int insideCorner = Enumerable.Range(0, 4).First(Inside);
                    AddSegment(next, FaceEdge(crossings[0]), FaceEdge(crossings[1]), corners[insideCorner], (nxf, nyf, nzf));
                }
                else if (crossings.Count == 4)
                {
                    // Ambiguous face: cut off each inside corner on its own (the "separated" resolution).
                    for (int k = 0; k < 4; k++)
                        if (Inside(k)) AddSegment(next, FaceEdge(k + 3), FaceEdge(k), corners[k], (nxf, nyf, nzf));
                }
            }
            var tris = new List<int>();
            var used = new bool[12];
            for (int start = 0; start < 12; start++)
            {
                if (next[start] < 0 || used[start]) continue;
                var loop = new List<int>();
                for (int e = start; !used[e]; e = next[e])
                {
                    used[e] = true;
                    loop.Add(e);
                    if (next[e] < 0) throw new InvalidOperationException($"open crossing loop in case {mask}");
                }
                if (!TriangulateLoop(loop, tris)) throw new InvalidOperationException($"no crack-free triangulation for case {mask}");
            }
            table[mask] = tris.ToArray();
        }
        return table;
    }

    /// <summary>
    /// Triangulates a crossing loop without any diagonal between two crossings on the same cube face: the neighbouring
    /// cube sees those two points too and could emit the same edge, which would make it non-manifold.
    /// Tries fans first (fewest slivers), then splits along any allowed diagonal and recurses.
    /// </summary>
    static bool TriangulateLoop(List<int> loop, List<int> tris)
    {
        int n = loop.Count;
        if (n == 3) { tris.AddRange(loop); return true; }
        for (int apex = 0; apex < n; apex++)
        {
            bool ok = true;
            for (int k = 2; k <= n - 2 && ok; k++) ok = !ShareFace(loop[apex], loop[(apex + k) % n]);
            if (!ok) continue;
            for (int k = 1; k + 1 < n; k++) { tris.Add(loop[apex]); tris.Add(loop[(apex + k) % n]); tris.Add(loop[(apex + k + 1) % n]); }
            return true;
        }
        for (int i = 0; i < n; i++)
            for (int j = i + 2; j < n; j++)
            {
                if ((i == 0 && j == n - 1) || ShareFace(loop[i], loop[j])) continue;
                var first = loop.GetRange(i, j - i + 1);
                var second = loop.GetRange(j, n - j).Concat(loop.GetRange(0, i + 1)).ToList();
                var attempt = new List<int>();
                if (TriangulateLoop(first, attempt) && TriangulateLoop(second, attempt)) { tris.AddRange(attempt); return true; }
            }
        return false;
    }

    static bool ShareFace(int e1, int e2)
    {
        foreach (var (corners, _, _, _) in CubeFaces)
        {
            bool has1 = corners.Contains(EdgeCorners[e1].A) && corners.Contains(EdgeCorners[e1].B);
            bool has2 = corners.Contains(EdgeCorners[e2].A) && corners.Contains(EdgeCorners[e2].B);
            if (has1 && has2) return true;
        }
        return false;
    }

    static void AddSegment(int[] next, int e1, int e2, int insideCorner, (int X, int Y, int Z) outward)
    {
        var p = EdgeMidpoint(e1);
        var q = EdgeMidpoint(e2);
        var s = CornerPosition(insideCorner);
        double ux = q.X - p.X, uy = q.Y - p.Y, uz = q.Z - p.Z;
        double vx = s.X - p.X, vy = s.Y - p.Y, vz = s.Z - p.Z;
        double side = (uy * vz - uz * vy) * outward.X + (uz * vx - ux * vz) * outward.Y + (ux * vy - uy * vx) * outward.Z;
        // side < 0: the inside corner is right of p -> q (seen from outside), which is the direction we want.
        var (from, to) = side < 0 ? (e1, e2) : (e2, e1);
        if (next[from] >= 0) throw new InvalidOperationException("crossing with two outgoing segments");
        next[from] = to;
    }
}
