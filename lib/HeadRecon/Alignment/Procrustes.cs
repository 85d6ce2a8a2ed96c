using HeadRecon.Data;

namespace HeadRecon.Alignment;

/// <summary>How a Procrustes fit estimates the scale.</summary>
public enum ProcrustesScale
{
    /// <summary>Rigid: s = 1.</summary>
    None,
    /// <summary>Umeyama's least-squares optimum s = tr(D·S)/σ²_a: minimises Σ|b − (sRa + t)|².</summary>
    LeastSquares,
    /// <summary>s = rms(b − b̄)/rms(a − ā), trimesh.registration.procrustes' estimate (what the H3DS evaluation uses).</summary>
    RmsRatio,
}

/// <summary>The fitted transform, the transformed source points and trimesh's cost (mean of squared coordinate differences).</summary>
public sealed record ProcrustesFit(Similarity Transform, double[] Transformed, double Cost)
{
    /// <summary>Root-mean-square distance between the transformed source and the target points.</summary>
    public double RmsDistance => Math.Sqrt(3 * Cost);
}

/// <summary>
/// Orthogonal Procrustes between corresponding point sets a → b (xyz-interleaved): centroids, the SVD of the
/// cross-covariance Σ(b − b̄)(a − ā)ᵀ = U·D·Vᵀ, R = U·diag(1, 1, d)·Vᵀ with d = det(U·Vᵀ) unless reflections are
/// allowed (d = 1), then the scale, and t = b̄ − s·R·ā.
/// </summary>
public static class Procrustes
{
    /// <param name="weights">Optional weight per point pair (weighted Umeyama: weighted centroids, cross-covariance and
    /// variance; the cost stays unweighted); null = all 1.</param>
    public static ProcrustesFit Fit(double[] a, double[] b, ProcrustesScale scale = ProcrustesScale.LeastSquares, bool allowReflection = false,
        IReadOnlyList<double>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Length != b.Length || a.Length % 3 != 0) throw new ArgumentException($"point sets must have the same number of xyz points (got {a.Length / 3.0} and {b.Length / 3.0})");
        int n = a.Length / 3;
        if (n < 3) throw new ArgumentException($"Procrustes needs at least 3 corresponding points, got {n}");
        if (weights is not null && (weights.Count != n || weights.Any(w => !(w > 0) || !double.IsFinite(w))))
            throw new ArgumentException($"weights: expected {n} finite positive weights, got {weights.Count}");
        double W(int i) => weights is null ? 1.0 : weights[i];
        double wsum = 0;
        for (int i = 0; i < n; i++) wsum += W(i);
        var ca = Centroid(a, W, wsum);
        var cb = Centroid(b, W, wsum);
        var cov = new double[9];
        double varA = 0, varB = 0;
        for (int i = 0; i < n; i++)
        {
            double w = W(i) / wsum * n;
            double ax = a[3 * i] - ca[0], ay = a[3 * i + 1] - ca[1], az = a[3 * i + 2] - ca[2];
            double bx = b[3 * i] - cb[0], by = b[3 * i + 1] - cb[1], bz = b[3 * i + 2] - cb[2];
            double[] av = [ax, ay, az], bv = [bx, by, bz];
            for (int r = 0; r < 3; r++)
                for (int c = 0; c < 3; c++) cov[r * 3 + c] += w * bv[r] * av[c];
            varA += w * (ax * ax + ay * ay + az * az);
            varB += w * (bx * bx + by * by + bz * bz);
        }
        if (!(varA > 0)) throw new ArgumentException("the source points all coincide");
        var (u, d, v) = LinearAlgebra.Svd3(cov);
        var vt = LinearAlgebra.Transpose3(v);
        double sign = allowReflection ? 1 : Math.Sign(LinearAlgebra.Det3(LinearAlgebra.Multiply(u, vt, 3)));
        if (sign == 0) sign = 1;
        var rot = LinearAlgebra.Multiply(LinearAlgebra.Multiply(u, [1, 0, 0, 0, 1, 0, 0, 0, sign], 3), vt, 3);
        double s = scale switch
        {
            ProcrustesScale.None => 1,
            ProcrustesScale.LeastSquares => (d[0] + d[1] + sign * d[2]) / varA,
            ProcrustesScale.RmsRatio => Math.Sqrt(varB / varA),
            _ => throw new ArgumentOutOfRangeException(nameof(scale)),
        };
        var rc = Rotations.Apply(rot, ca[0], ca[1], ca[2]);
        var transform = new Similarity(s, rot, [cb[0] - s * rc[0], cb[1] - s * rc[1], cb[2] - s * rc[2]]);
        var moved = new double[a.Length];
        double cost = 0;
        for (int i = 0; i < n; i++)
        {
            var (x, y, z) = transform.Apply(a[3 * i], a[3 * i + 1], a[3 * i + 2]);
            moved[3 * i] = x; moved[3 * i + 1] = y; moved[3 * i + 2] = z;
            cost += (x - b[3 * i]) * (x - b[3 * i]) + (y - b[3 * i + 1]) * (y - b[3 * i + 1]) + (z - b[3 * i + 2]) * (z - b[3 * i + 2]);
        }
        return new ProcrustesFit(transform, moved, cost / (3.0 * n));
    }

    static double[] Centroid(double[] p, Func<int, double> weight, double weightSum)
    {
        int n = p.Length / 3;
        double[] c = [0, 0, 0];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < 3; k++) c[k] += weight(i) * p[3 * i + k];
        return [c[0] / weightSum, c[1] / weightSum, c[2] / weightSum];
    }
}
