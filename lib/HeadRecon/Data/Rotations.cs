namespace HeadRecon.Data;

/// <summary>3×3 rotation helpers (row-major double[9]): axis-angle, quaternions (Hamilton, w x y z as COLMAP), angles.</summary>
public static class Rotations
{
    public static double[] Identity => [1, 0, 0, 0, 1, 0, 0, 0, 1];

    /// <summary>Rodrigues: rotation by |ω| radians about ω/|ω|.</summary>
    public static double[] FromAxisAngle(double wx, double wy, double wz)
    {
        double theta = Math.Sqrt(wx * wx + wy * wy + wz * wz);
        if (theta < 1e-15) return Identity;
        double x = wx / theta, y = wy / theta, z = wz / theta;
        double c = Math.Cos(theta), s = Math.Sin(theta), t = 1 - c;
        return
        [
            t * x * x + c, t * x * y - s * z, t * x * z + s * y,
            t * x * y + s * z, t * y * y + c, t * y * z - s * x,
            t * x * z - s * y, t * y * z + s * x, t * z * z + c,
        ];
    }

    /// <summary>The rotation angle of R in degrees, in [0, 180].</summary>
    public static double AngleDegrees(double[] r)
    {
        // atan2(sin, cos) from the skew part and the trace: accurate near 0° too, where acos(trace) loses half the digits.
        double c = (r[0] + r[4] + r[8] - 1) / 2;
        double sx = (r[7] - r[5]) / 2, sy = (r[2] - r[6]) / 2, sz = (r[3] - r[1]) / 2;
        return Math.Atan2(Math.Sqrt(sx * sx + sy * sy + sz * sz), c) * 180 / Math.PI;
    }

    /// <summary>Angle in degrees of the rotation taking b to a (a·bᵀ).</summary>
    public static double AngleBetweenDegrees(double[] a, double[] b) => AngleDegrees(Multiply(a, Transpose(b)));

    /// <summary>Unit quaternion (w, x, y, z; Hamilton convention as COLMAP and Eigen) to a rotation matrix.</summary>
    public static double[] FromQuaternion(double w, double x, double y, double z)
    {
        double n = Math.Sqrt(w * w + x * x + y * y + z * z);
        if (!(n > 0)) throw new ArgumentException("quaternion of zero length");
        w /= n; x /= n; y /= n; z /= n;
        return
        [
            1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
            2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
            2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
        ];
    }

    /// <summary>Rotation matrix to a unit quaternion (w ≥ 0), Shepperd's method (stable for every angle).</summary>
    public static (double W, double X, double Y, double Z) ToQuaternion(double[] r)
    {
        double tr = r[0] + r[4] + r[8];
        double w, x, y, z;
        if (tr > 0)
        {
            double s = Math.Sqrt(tr + 1) * 2;
            w = s / 4; x = (r[7] - r[5]) / s; y = (r[2] - r[6]) / s; z = (r[3] - r[1]) / s;
        }
        else if (r[0] > r[4] && r[0] > r[8])
        {
            double s = Math.Sqrt(1 + r[0] - r[4] - r[8]) * 2;
            w = (r[7] - r[5]) / s; x = s / 4; y = (r[1] + r[3]) / s; z = (r[2] + r[6]) / s;
        }
        else if (r[4] > r[8])
        {
            double s = Math.Sqrt(1 + r[4] - r[0] - r[8]) * 2;
            w = (r[2] - r[6]) / s; x = (r[1] + r[3]) / s; y = s / 4; z = (r[5] + r[7]) / s;
        }
        else
        {
            double s = Math.Sqrt(1 + r[8] - r[0] - r[4]) * 2;
            w = (r[3] - r[1]) / s; x = (r[2] + r[6]) / s; y = (r[5] + r[7]) / s; z = s / 4;
        }
        return w < 0 ? (-w, -x, -y, -z) : (w, x, y, z);
    }

    /// <summary>The closest rotation (polar factor, det +1) to a nearly orthogonal matrix.</summary>
    public static double[] Orthonormalize(double[] m)
    {
        var (u, _, v) = Data.LinearAlgebra.Svd3(m);
        double d = Data.LinearAlgebra.Det3(Multiply(u, Transpose(v))) < 0 ? -1 : 1;
        return Multiply(Multiply(u, [1, 0, 0, 0, 1, 0, 0, 0, d]), Transpose(v));
    }

    public static double[] Multiply(double[] a, double[] b) => Data.LinearAlgebra.Multiply(a, b, 3);

    public static double[] Transpose(double[] a) => Data.LinearAlgebra.Transpose3(a);

    public static double[] Apply(double[] r, double x, double y, double z) =>
        [r[0] * x + r[1] * y + r[2] * z, r[3] * x + r[4] * y + r[5] * z, r[6] * x + r[7] * y + r[8] * z];
}
