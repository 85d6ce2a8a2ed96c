namespace HeadRecon.Evaluation;

/// <summary>
/// Static 3-d tree over float points for exact nearest-neighbour queries. Built by median splits on the axis of
/// largest extent; points are stored reordered (structure of arrays) so leaf scans touch contiguous memory.
/// Queries are read-only and safe to run in parallel.
/// </summary>
public sealed class KdTree
{
    const int LeafSize = 10;
    readonly float[] _xs, _ys, _zs;
    readonly int[] _originalIndex;
    readonly byte[] _splitAxis;
    readonly float[] _splitValue;
    // Bounds of all points: the root cell's box, where the incremental box distance starts.
    readonly float _minX = float.PositiveInfinity, _minY = float.PositiveInfinity, _minZ = float.PositiveInfinity;
    readonly float _maxX = float.NegativeInfinity, _maxY = float.NegativeInfinity, _maxZ = float.NegativeInfinity;

    public int Count => _xs.Length;

    /// <param name="pointsXyz">xyz-interleaved points; copied, not kept.</param>
    public KdTree(float[] pointsXyz)
    {
        ArgumentNullException.ThrowIfNull(pointsXyz);
        if (pointsXyz.Length % 3 != 0) throw new ArgumentException("point array length is not a multiple of 3", nameof(pointsXyz));
        int n = pointsXyz.Length / 3;
        _xs = new float[n]; _ys = new float[n]; _zs = new float[n];
        _originalIndex = new int[n];
        for (int i = 0; i < n; i++)
        {
            _xs[i] = pointsXyz[i * 3]; _ys[i] = pointsXyz[i * 3 + 1]; _zs[i] = pointsXyz[i * 3 + 2];
            _originalIndex[i] = i;
            _minX = MathF.Min(_minX, _xs[i]); _maxX = MathF.Max(_maxX, _xs[i]);
            _minY = MathF.Min(_minY, _ys[i]); _maxY = MathF.Max(_maxY, _ys[i]);
            _minZ = MathF.Min(_minZ, _zs[i]); _maxZ = MathF.Max(_maxZ, _zs[i]);
        }
        // Heap-numbered nodes (root 1, children 2k and 2k+1); halving until <= LeafSize needs < 4 n / LeafSize slots.
        int nodes = 4 * (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(n / LeafSize + 1));
        _splitAxis = new byte[nodes];
        _splitValue = new float[nodes];
        Build(1, 0, n);
    }

    void Build(int node, int lo, int hi)
    {
        if (hi - lo <= LeafSize) return;
        float minX = float.PositiveInfinity, minY = float.PositiveInfinity, minZ = float.PositiveInfinity;
        float maxX = float.NegativeInfinity, maxY = float.NegativeInfinity, maxZ = float.NegativeInfinity;
        for (int i = lo; i < hi; i++)
        {
            minX = MathF.Min(minX, _xs[i]); maxX = MathF.Max(maxX, _xs[i]);
            minY = MathF.Min(minY, _ys[i]); maxY = MathF.Max(maxY, _ys[i]);
            minZ = MathF.Min(minZ, _zs[i]); maxZ = MathF.Max(maxZ, _zs[i]);
        }
        float ex = maxX - minX, ey = maxY - minY, ez = maxZ - minZ;
        int axis = ex >= ey && ex >= ez ? 0 : ey >= ez ? 1 : 2;
        int mid = (lo + hi) >>> 1;
        Select(axis == 0 ? _xs : axis == 1 ? _ys : _zs, lo, hi - 1, mid);
        _splitAxis[node] = (byte)axis;
        _splitValue[node] = (axis == 0 ? _xs : axis == 1 ? _ys : _zs)[mid];
        // Children build independently; fork the top levels onto the thread pool.
        if (hi - lo > 200_000)
            Parallel.Invoke(() => Build(2 * node, lo, mid), () => Build(2 * node + 1, mid, hi));
        else
        {
            Build(2 * node, lo, mid);
            Build(2 * node + 1, mid, hi);
        }
    }

    /// <summary>Quickselect: afterwards key[k] is the k-th smallest in [lo, hi], smaller-or-equal before, larger-or-equal after.</summary>
    void Select(float[] key, int lo, int hi, int k)
    {
        while (hi > lo)
        {
            // Median of three keeps sorted inputs (grids, scans) from going quadratic.
            int m = (lo + hi) >>> 1;
            if (key[m] < key[lo]) Swap(m, lo);
            if (key[hi] < key[lo]) Swap(hi, lo);
            if (key[hi] < key[m]) Swap(hi, m);
            float pivot = key[m];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (key[i] < pivot) i++;
                while (key[j] > pivot) j--;
                if (i <= j) { Swap(i, j); i++; j--; }
            }
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else return;
        }
    }

    void Swap(int a, int b)
    {
        (_xs[a], _xs[b]) = (_xs[b], _xs[a]);
        (_ys[a], _ys[b]) = (_ys[b], _ys[a]);
        (_zs[a], _zs[b]) = (_zs[b], _zs[a]);
        (_originalIndex[a], _originalIndex[b]) = (_originalIndex[b], _originalIndex[a]);
    }

    /// <summary>Index (into the constructor's array) and squared distance of the point nearest to (x, y, z).</summary>
    public (int Index, float DistanceSquared) Nearest(float x, float y, float z)
    {
        if (Count == 0) throw new InvalidOperationException("nearest neighbour in an empty tree");
        int best = -1;
        float bestD2 = float.PositiveInfinity;
        SearchFromRoot(x, y, z, ref best, ref bestD2);
        return (_originalIndex[best], bestD2);
    }

    /// <summary>Nearest neighbour of every query point (xyz interleaved), in parallel.
    /// Fills indices into the tree's points and Euclidean (not squared) distances.</summary>
    public void NearestAll(float[] queriesXyz, int[] indices, float[] distances)
    {
        int n = queriesXyz.Length / 3;
        if (indices.Length < n || distances.Length < n) throw new ArgumentException("output arrays are too short");
        if (Count == 0) throw new InvalidOperationException("nearest neighbour in an empty tree");
        const int Block = 2048;
        Parallel.For(0, (n + Block - 1) / Block, b =>
        {
            int end = Math.Min(n, (b + 1) * Block);
            for (int i = b * Block; i < end; i++)
            {
                int best = -1;
                float bestD2 = float.PositiveInfinity;
                SearchFromRoot(queriesXyz[i * 3], queriesXyz[i * 3 + 1], queriesXyz[i * 3 + 2], ref best, ref bestD2);
                indices[i] = _originalIndex[best];
                distances[i] = MathF.Sqrt(bestD2);
            }
        });
    }

    void SearchFromRoot(float x, float y, float z, ref int best, ref float bestD2)
    {
        static float Outside(float v, float lo, float hi) => v < lo ? v - lo : v > hi ? v - hi : 0;
        float ox = Outside(x, _minX, _maxX), oy = Outside(y, _minY, _maxY), oz = Outside(z, _minZ, _maxZ);
        Search(1, 0, Count, x, y, z, ox, oy, oz, ox * ox + oy * oy + oz * oz, ref best, ref bestD2);
    }

    /// <summary>
    /// Depth-first search with incremental box distances (Arya and Mount): (ox, oy, oz) is the query's offset from the
    /// current cell along each axis, so a far child is pruned by its full box distance, not just the split plane's.
    /// That matters when the nearest point is far relative to the point spacing, e.g. between parallel surfaces.
    /// </summary>
    void Search(int node, int lo, int hi, float x, float y, float z, float ox, float oy, float oz, float rd, ref int best, ref float bestD2)
    {
        if (hi - lo <= LeafSize)
        {
            for (int i = lo; i < hi; i++)
            {
                float dx = _xs[i] - x, dy = _ys[i] - y, dz = _zs[i] - z;
                float d2 = dx * dx + dy * dy + dz * dz;
                if (d2 < bestD2 || best < 0) { bestD2 = d2; best = i; }
            }
            return;
        }
        int mid = (lo + hi) >>> 1;
        int axis = _splitAxis[node];
        float diff = (axis == 0 ? x : axis == 1 ? y : z) - _splitValue[node];
        int near = diff < 0 ? 2 * node : 2 * node + 1;
        int far = near ^ 1;
        var (nearLo, nearHi, farLo, farHi) = diff < 0 ? (lo, mid, mid, hi) : (mid, hi, lo, mid);
        Search(near, nearLo, nearHi, x, y, z, ox, oy, oz, rd, ref best, ref bestD2);
        float old = axis == 0 ? ox : axis == 1 ? oy : oz;
        float farRd = rd - old * old + diff * diff;
        if (farRd < bestD2)
        {
            switch (axis)
            {
                case 0: ox = diff; break;
                case 1: oy = diff; break;
                default: oz = diff; break;
            }
            Search(far, farLo, farHi, x, y, z, ox, oy, oz, farRd, ref best, ref bestD2);
        }
    }
}
