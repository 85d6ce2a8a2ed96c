namespace HeadRecon.Data;

/// <summary>Small dense helpers for 3x3 / 4x4 row-major matrices used by the loaders.</summary>
internal static class LinearAlgebra
{
    public static double[] Multiply(double[] a, double[] b, int n)
    {
        var c = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
                c[i * n + j] = s;
            }
        return c;
    }

    public static double[] Transpose3(double[] a) => [a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]];

    public static double Det3(double[] a) =>
        a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6]);

    /// <summary>Solves a 3x3 system by Cramer's rule; null when singular.</summary>
    public static double[]? Solve3(double[] a, double[] b)
    {
        double det = Det3(a);
        double scale = a.Max(Math.Abs);
        if (Math.Abs(det) <= 1e-12 * scale * scale * scale || double.IsNaN(det)) return null;
        var x = new double[3];
        for (int col = 0; col < 3; col++)
        {
            var m = (double[])a.Clone();
            for (int r = 0; r < 3; r++) m[r * 3 + col] = b[r];
            x[col] = Det3(m) / det;
        }
        return x;
    }

    public static double[] MulVec3(double[] a, double[] v) =>
        [a[0] * v[0] + a[1] * v[1] + a[2] * v[2], a[3] * v[0] + a[4] * v[1] + a[5] * v[2], a[6] * v[0] + a[7] * v[1] + a[8] * v[2]];

    /// <summary>Normalised (cos, sin) of a Givens rotation; when both entries are already zero the rotation is the
    /// identity (OpenCV's formula would give c = s = 0 there, e.g. for a camera looking exactly along a world axis).</summary>
    static (double C, double S) Givens(double c, double s)
    {
        double n = Math.Sqrt(c * c + s * s);
        return n < 1e-300 ? (1, 0) : (c / n, s / n);
    }

    /// <summary>
    /// RQ decomposition M = K·Q (K upper triangular with K00, K11 &gt; 0, Q a rotation) by Givens rotations, with
    /// the same sign convention as OpenCV's RQDecomp3x3 (which cv2.decomposeProjectionMatrix uses). Given those sign
    /// rules the decomposition of an invertible M is unique, so this reproduces OpenCV's K and R.
    /// </summary>
    public static (double[] K, double[] Q) RqDecompose3(double[] m)
    {
        // Qx zeroes m[2][1]
        var (c, s) = Givens(m[8], m[7]);
        double[] qx = [1, 0, 0, 0, c, s, 0, -s, c];
        var r = Multiply(m, qx, 3);
        r[7] = 0;
        // Qy zeroes r[2][0]
        (c, s) = Givens(r[8], -r[6]);
        double[] qy = [c, 0, -s, 0, 1, 0, s, 0, c];
        var m2 = Multiply(r, qy, 3);
        m2[6] = 0;
        // Qz zeroes m2[1][0]
        (c, s) = Givens(m2[4], m2[3]);
        double[] qz = [c, s, 0, -s, c, 0, 0, 0, 1];
        var k = Multiply(m2, qz, 3);
        k[3] = 0;
        // M·Qx·Qy·Qz = K  =>  M = K·(Qx·Qy·Qz)^T
        var q = Transpose3(Multiply(Multiply(qx, qy, 3), qz, 3));
        // Ambiguity: make K00, K11 positive with a 180° rotation D (D·D = I, det D = 1): K' = K·D, Q' = D·Q.
        double[]? d = null;
        if (k[0] < 0) d = k[4] < 0 ? [-1, -1, 1] : [-1, 1, -1];
        else if (k[4] < 0) d = [1, -1, -1];
        if (d is not null)
        {
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                {
                    k[i * 3 + j] *= d[j];
                    q[i * 3 + j] *= d[i];
                }
        }
        return (k, q);
    }

    /// <summary>
    /// Eigen-decomposition of a symmetric n×n matrix by cyclic Jacobi rotations: eigenvalues ascending, eigenvectors
    /// as the columns of the returned row-major matrix (orthonormal). Accurate to machine precision for the small
    /// matrices used here (3×3 covariances, 4×4 DLT normal equations).
    /// </summary>
    public static (double[] Values, double[] Vectors) SymmetricEigen(double[] a, int n)
    {
        var m = (double[])a.Clone();
        var v = new double[n * n];
        for (int i = 0; i < n; i++) v[i * n + i] = 1;
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0, diag = 0;
            for (int p = 0; p < n; p++)
            {
                diag += m[p * n + p] * m[p * n + p];
                for (int q = p + 1; q < n; q++) off += m[p * n + q] * m[p * n + q];
            }
            if (off <= 1e-30 * Math.Max(diag, 1e-300)) break;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                {
                    double apq = m[p * n + q];
                    if (Math.Abs(apq) < 1e-300) continue;
                    double theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
                    double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double mkp = m[k * n + p], mkq = m[k * n + q];
                        m[k * n + p] = c * mkp - s * mkq;
                        m[k * n + q] = s * mkp + c * mkq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double mpk = m[p * n + k], mqk = m[q * n + k];
                        m[p * n + k] = c * mpk - s * mqk;
                        m[q * n + k] = s * mpk + c * mqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[k * n + p], vkq = v[k * n + q];
                        v[k * n + p] = c * vkp - s * vkq;
                        v[k * n + q] = s * vkp + c * vkq;
                    }
                }
        }
        var order = Enumerable.Range(0, n).OrderBy(i => m[i * n + i]).ToArray();
        var values = order.Select(i => m[i * n + i]).ToArray();
        var vectors = new double[n * n];
        for (int c = 0; c < n; c++)
            for (int r = 0; r < n; r++) vectors[r * n + c] = v[r * n + order[c]];
        return (values, vectors);
    }

    /// <summary>
    /// Singular value decomposition M = U·diag(S)·Vᵀ of a 3×3 matrix (S descending, U and V orthogonal, V a rotation) by
    /// one-sided Jacobi rotations on M's columns, accurate for small singular values too. Columns of U for zero singular
    /// values are completed orthonormally, so rank-deficient inputs (coplanar or collinear point sets) still give
    /// orthogonal factors.
    /// </summary>
    public static (double[] U, double[] S, double[] V) Svd3(double[] m)
    {
        var a = (double[])m.Clone();
        double[] v = [1, 0, 0, 0, 1, 0, 0, 0, 1];
        for (int sweep = 0; sweep < 60; sweep++)
        {
            bool rotated = false;
            for (int p = 0; p < 2; p++)
                for (int q = p + 1; q < 3; q++)
                {
                    double alpha = 0, beta = 0, gamma = 0;
                    for (int i = 0; i < 3; i++)
                    {
                        alpha += a[i * 3 + p] * a[i * 3 + p];
                        beta += a[i * 3 + q] * a[i * 3 + q];
                        gamma += a[i * 3 + p] * a[i * 3 + q];
                    }
                    if (Math.Abs(gamma) <= 1e-15 * Math.Sqrt(alpha * beta) || gamma == 0) continue;
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.Sign(zeta) / (Math.Abs(zeta) + Math.Sqrt(1 + zeta * zeta));
                    if (zeta == 0) t = 1;
                    double c = 1 / Math.Sqrt(1 + t * t), s = c * t;
                    for (int i = 0; i < 3; i++)
                    {
                        double ap = a[i * 3 + p], aq = a[i * 3 + q];
                        a[i * 3 + p] = c * ap - s * aq;
                        a[i * 3 + q] = s * ap + c * aq;
                        double vp = v[i * 3 + p], vq = v[i * 3 + q];
                        v[i * 3 + p] = c * vp - s * vq;
                        v[i * 3 + q] = s * vp + c * vq;
                    }
                }
            if (!rotated) break;
        }
        var norms = Enumerable.Range(0, 3).Select(c => Math.Sqrt(a[c] * a[c] + a[3 + c] * a[3 + c] + a[6 + c] * a[6 + c])).ToArray();
        var order = Enumerable.Range(0, 3).OrderByDescending(c => norms[c]).ToArray();
        var sv = order.Select(c => norms[c]).ToArray();
        var vs = new double[9];
        for (int c = 0; c < 3; c++)
            for (int r = 0; r < 3; r++) vs[r * 3 + c] = v[r * 3 + order[c]];
        // V a rotation, so that det(U)·det(V) only depends on U; flipping a column of V flips the same column of U.
        bool flip = Det3(vs) < 0;
        if (flip) for (int r = 0; r < 3; r++) vs[r * 3 + 2] = -vs[r * 3 + 2];
        double scale = Math.Max(sv[0], 1e-300);
        var cols = new List<double[]>();
        for (int c = 0; c < 3; c++)
        {
            double sign = flip && c == 2 ? -1 : 1;
            double[] col = [sign * a[order[c]], sign * a[3 + order[c]], sign * a[6 + order[c]]];
            if (sv[c] <= 1e-13 * scale)
            {
                col = cols.Count switch
                {
                    0 => [1, 0, 0],
                    1 => AnyPerpendicular(cols[0]),
                    _ => Cross(cols[0], cols[1]),
                };
            }
            double n = Math.Sqrt(col[0] * col[0] + col[1] * col[1] + col[2] * col[2]);
            for (int r = 0; r < 3; r++) col[r] /= n;
            cols.Add(col);
        }
        var u = new double[9];
        for (int c = 0; c < 3; c++)
            for (int r = 0; r < 3; r++) u[r * 3 + c] = cols[c][r];
        return (u, sv, vs);
    }

    public static double[] Cross(double[] a, double[] b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];

    static double[] AnyPerpendicular(double[] a)
    {
        double[] axis = Math.Abs(a[0]) < 0.9 ? [1, 0, 0] : [0, 1, 0];
        return Cross(a, axis);
    }
}
