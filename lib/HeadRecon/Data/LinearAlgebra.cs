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
}
