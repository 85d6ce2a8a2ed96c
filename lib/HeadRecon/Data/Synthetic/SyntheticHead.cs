using System.Numerics;

namespace HeadRecon.Data.Synthetic;

/// <summary>
/// Parameters of one synthetic identity. Lengths are in XML (world) units: the head spans roughly
/// x ±1.1, y -1.9..1.45 (neck cut at y = NeckCutY), z -1.3..1.3, face towards +z, top of head +y.
/// </summary>
public sealed record HeadParameters(
    int Seed,
    double HeadWidth, double HeadHeight, double HeadDepth,
    double JawWidth, double ChinLength, double NoseLength, double NoseWidth,
    double EyeSpacing, double BrowHeight, double LipFullness, double EarSize, double NeckRadius,
    double MouthOpen, double Smile,
    double[] SkinTone, double[] HairColor, double[] LipColor, double HairLine,
    double DetailAmplitude, double WrinkleFrequency, double[] BumpDirections, double[] BumpPhases, double[] BumpFrequencies,
    double[] AlbedoPhases)
{
    public const double NeckCutY = -1.85;

    /// <summary>Draws a plausible identity from a seed; expressions are zero unless requested.</summary>
    public static HeadParameters Random(int seed, bool withExpression)
    {
        var rng = new Random(seed);
        double U(double a, double b) => a + (b - a) * rng.NextDouble();
        double tone = rng.NextDouble();
        // skin between a light and a dark tone, hair independent
        double[] skin = [Lerp(0.93, 0.45, tone), Lerp(0.76, 0.30, tone), Lerp(0.66, 0.20, tone)];
        double hairT = rng.NextDouble();
        double[] hair = [Lerp(0.08, 0.45, hairT), Lerp(0.06, 0.30, hairT), Lerp(0.05, 0.15, hairT)];
        double[] lip = [Math.Min(1, skin[0] * 0.95), skin[1] * 0.55, skin[2] * 0.6];
        int nb = 4;
        var dirs = new double[nb * 3];
        for (int i = 0; i < nb; i++)
        {
            var d = Vector3.Normalize(new Vector3((float)U(-1, 1), (float)U(-1, 1), (float)U(-1, 1)));
            dirs[3 * i] = d.X; dirs[3 * i + 1] = d.Y; dirs[3 * i + 2] = d.Z;
        }
        var phases = Enumerable.Range(0, nb).Select(_ => U(0, 2 * Math.PI)).ToArray();
        var freqs = Enumerable.Range(0, nb).Select(_ => U(9, 16)).ToArray();
        var albedoPhases = Enumerable.Range(0, 9).Select(_ => U(0, 2 * Math.PI)).ToArray();
        double detail = U(0.005, 0.010); // 0.2–0.4 % of the ~2.6-unit head height
        double wrinkle = U(18, 24);
        double mouth = withExpression ? U(0, 1) : 0;
        double smile = withExpression ? U(0, 1) : 0;
        return new HeadParameters(seed,
            U(0.88, 1.02), U(1.0, 1.12), U(1.02, 1.16),
            U(0.62, 0.78), U(0.0, 0.12), U(0.0, 0.12), U(0.075, 0.1),
            U(0.31, 0.36), U(0.0, 0.06), U(0.055, 0.08), U(0.85, 1.15), U(0.42, 0.52),
            mouth, smile,
            skin, hair, lip, U(0.45, 0.7),
            detail, wrinkle, dirs, phases, freqs, albedoPhases);
    }

    static double Lerp(double a, double b, double t) => a + (b - a) * t;
}

/// <summary>
/// Analytic signed distance of a procedural head: smooth unions of ellipsoids and capsules (cranium, face, jaw, chin,
/// cheeks, brow, eye sockets and eyes, nose, lips, ears, neck) plus small sinusoidal wrinkles and bumps. The
/// ellipsoid distance is iq's gradient-normalised bound and every blend is 1-Lipschitz-ish, so sphere tracing with a
/// 0.9 step factor is safe; the detail term adds at most ~0.2 to the gradient norm.
/// </summary>
public sealed class SyntheticHead
{
    readonly HeadParameters p;
    readonly Vector3d browL, browR;

    public SyntheticHead(HeadParameters parameters)
    {
        p = parameters;
        browL = new(-0.45, 0.27 + p.BrowHeight, 0.80);
        browR = new(0.45, 0.27 + p.BrowHeight, 0.80);
    }

    public HeadParameters Parameters => p;

    /// <summary>Millimetres per XML unit: the synthetic family's real-world scale (an adult head is ~150 mm wide).</summary>
    public const double MillimetresPerUnit = 75.0;

    /// <summary>
    /// The facial landmarks on this head's surface. Each is placed at its (x, y) from the parameters and moved onto the
    /// surface along −z from in front of the face (the first hit), so it lies exactly on the zero level set.
    /// The subject's right is −x (the face looks towards +z, y up).
    /// </summary>
    public HeadLandmarks Landmarks()
    {
        double mouthY = -0.56, corner = 0.07 * p.Smile;
        var tip = new Vector3d(0, -0.26 - 0.5 * p.NoseLength, 1.1 + p.NoseLength);
        double mouthX = 0.22 + 0.03 * p.Smile;
        var xy = new Dictionary<string, (double X, double Y)>
        {
            [HeadLandmarks.RightEyeOuter] = (-(p.EyeSpacing + 0.12), 0.08),
            [HeadLandmarks.RightEyeInner] = (-(p.EyeSpacing - 0.12), 0.08),
            [HeadLandmarks.LeftEyeInner] = (p.EyeSpacing - 0.12, 0.08),
            [HeadLandmarks.LeftEyeOuter] = (p.EyeSpacing + 0.12, 0.08),
            [HeadLandmarks.RightEye] = (-p.EyeSpacing, 0.08),
            [HeadLandmarks.LeftEye] = (p.EyeSpacing, 0.08),
            [HeadLandmarks.NoseTip] = (0, tip.Y),
            [HeadLandmarks.NoseBase] = (0, tip.Y - 0.12),
            [HeadLandmarks.MouthRight] = (-mouthX, mouthY + 0.01 + corner),
            [HeadLandmarks.MouthLeft] = (mouthX, mouthY + 0.01 + corner),
            [HeadLandmarks.Chin] = (0, -0.98 - p.ChinLength - 0.2),
        };
        var (bmin, bmax) = Bounds;
        var points = new Dictionary<string, Vector3d>();
        foreach (var (name, (x, y)) in xy)
        {
            var origin = new Vector3d(x, y, bmax.Z + 1);
            if (!HeadRenderer.Trace(this, origin, new Vector3d(0, 0, -1), bmin, bmax, out var hit))
                throw new InvalidOperationException($"landmark {name}: no surface along −z at ({x:F3}, {y:F3})");
            points[name] = hit;
        }
        return new HeadLandmarks(points);
    }

    /// <summary>Axis-aligned box that contains the whole surface (with margin).</summary>
    public static (Vector3d Min, Vector3d Max) Bounds => (new(-1.45, HeadParameters.NeckCutY - 0.05, -1.45), new(1.45, 1.6, 1.5));

    public double Distance(Vector3d q) => BaseDistance(q) + Detail(q);

    /// <summary>Smooth shape without the high-frequency detail (used to place the albedo regions).</summary>
    public double BaseDistance(Vector3d q)
    {
        double x = q.X, y = q.Y, z = q.Z;
        var qs = new Vector3d(Math.Abs(x), y, z); // left-right symmetric parts
        double d = Ellipsoid(q - new Vector3d(0, 0.38, -0.1), new(0.95 * p.HeadWidth, 1.05 * p.HeadHeight, 1.12 * p.HeadDepth));
        // face mass and jaw
        d = SmoothUnion(d, Ellipsoid(q - new Vector3d(0, -0.3, 0.2), new(0.8, 0.8, 0.78)), 0.25);
        d = SmoothUnion(d, Ellipsoid(q - new Vector3d(0, -0.72, 0.28), new(p.JawWidth, 0.42, 0.62)), 0.2);
        d = SmoothUnion(d, Ellipsoid(q - new Vector3d(0, -0.98 - p.ChinLength, 0.55), new(0.27, 0.24, 0.24)), 0.15);
        // cheeks
        d = SmoothUnion(d, Ellipsoid(qs - new Vector3d(0.42, -0.22, 0.62), new(0.3, 0.28, 0.3)), 0.12);
        // brow ridge
        d = SmoothUnion(d, Capsule(q, browL, browR, 0.11), 0.1);
        // eye sockets carved, then the eyeballs
        d = SmoothSubtract(d, Sphere(qs - new Vector3d(p.EyeSpacing, 0.1, 0.93), 0.19), 0.07);
        d = SmoothUnion(d, Sphere(qs - new Vector3d(p.EyeSpacing, 0.08, 0.78), 0.14), 0.03);
        // nose: bridge capsule, tip ball, nostrils
        var tip = new Vector3d(0, -0.26 - 0.5 * p.NoseLength, 1.1 + p.NoseLength);
        d = SmoothUnion(d, Capsule(q, new Vector3d(0, 0.12, 0.93), tip, p.NoseWidth), 0.08);
        d = SmoothUnion(d, Sphere(q - tip, p.NoseWidth + 0.03), 0.05);
        d = SmoothUnion(d, Sphere(qs - new Vector3d(0.09, tip.Y - 0.05, tip.Z - 0.1), 0.075), 0.05);
        // lips: corners rise with the smile, lower lip drops with the open mouth
        double corner = 0.07 * p.Smile;
        double open = 0.09 * p.MouthOpen;
        double mouthY = -0.56;
        var upper = Capsule(qs, new Vector3d(0, mouthY + 0.055, 0.95), new Vector3d(0.23 + 0.03 * p.Smile, mouthY + 0.02 + corner, 0.8), p.LipFullness);
        var lower = Capsule(qs, new Vector3d(0, mouthY - 0.06 - open, 0.93 - 0.3 * open), new Vector3d(0.22 + 0.03 * p.Smile, mouthY + 0.0 + corner, 0.8), p.LipFullness);
        d = SmoothUnion(d, Math.Min(upper, lower), 0.05);
        // mouth slit / opening
        // a rounded box (exact distance) rather than a thin ellipsoid, whose distance bound is far from 1-Lipschitz
        d = SmoothSubtract(d, RoundBox(q - new Vector3d(0, mouthY - 0.5 * open + 0.25 * corner, 0.92), new Vector3d(0.17 + 0.03 * p.Smile, 0.002 + open * 0.5, 0.18), 0.012), 0.02);
        // ears
        d = SmoothUnion(d, Ellipsoid(qs - new Vector3d(0.93 * p.HeadWidth, 0.05, -0.05), new(0.1, 0.3 * p.EarSize, 0.19 * p.EarSize)), 0.06);
        // neck, cut flat at the bottom so the head fits the scene
        d = SmoothUnion(d, Capsule(q, new Vector3d(0, -0.6, -0.2), new Vector3d(0, -2.5, -0.3), p.NeckRadius), 0.2);
        d = Math.Max(d, HeadParameters.NeckCutY - y);
        return d;
    }

    /// <summary>Horizontal forehead wrinkles plus per-identity oriented ripples; amplitude ~0.2–0.4 % of head size.</summary>
    public double Detail(Vector3d q)
    {
        double a = p.DetailAmplitude;
        // forehead window: front, above the brows
        double fw = SmoothStep(0.35, 0.55, q.Y) * (1 - SmoothStep(0.95, 1.15, q.Y)) * SmoothStep(0.3, 0.8, q.Z);
        double wr = fw * Math.Sin(p.WrinkleFrequency * q.Y) * a;
        double bump = 0;
        int nb = p.BumpPhases.Length;
        for (int i = 0; i < nb; i++)
        {
            double proj = p.BumpDirections[3 * i] * q.X + p.BumpDirections[3 * i + 1] * q.Y + p.BumpDirections[3 * i + 2] * q.Z;
            bump += Math.Sin(p.BumpFrequencies[i] * proj + p.BumpPhases[i]);
        }
        return wr + 0.5 * a * bump / nb;
    }

    public Vector3d Normal(Vector3d q)
    {
        const double h = 1e-4;
        double dx = Distance(q + new Vector3d(h, 0, 0)) - Distance(q - new Vector3d(h, 0, 0));
        double dy = Distance(q + new Vector3d(0, h, 0)) - Distance(q - new Vector3d(0, h, 0));
        double dz = Distance(q + new Vector3d(0, 0, h)) - Distance(q - new Vector3d(0, 0, h));
        return new Vector3d(dx, dy, dz).Normalized();
    }

    /// <summary>Diffuse albedo at a surface point: skin tone with smooth blotches and freckles, hair cap, darker brows, red lips, eyes.</summary>
    public Vector3d Albedo(Vector3d q)
    {
        var ph = p.AlbedoPhases;
        var skin = new Vector3d(p.SkinTone[0], p.SkinTone[1], p.SkinTone[2]);
        double blotch = 0.5 + 0.25 * (Math.Sin(3.1 * q.X + ph[0]) * Math.Sin(2.7 * q.Y + ph[1]) + Math.Sin(2.3 * q.Z + ph[2]) * Math.Sin(3.7 * q.X + 1.3 * q.Y + ph[3]));
        var c = skin * (0.9 + 0.2 * blotch);
        // freckles on the cheeks and nose: sparse dark spots from a product of sines
        double fr = Math.Sin(23 * q.X + ph[4]) * Math.Sin(19 * q.Y + ph[5]) * Math.Sin(21 * q.Z + ph[6]);
        double frWindow = SmoothStep(0.5, 0.8, q.Z) * (1 - SmoothStep(0.1, 0.3, q.Y)) * SmoothStep(-0.55, -0.35, q.Y);
        c *= 1 - 0.35 * frWindow * SmoothStep(0.55, 0.8, fr);
        var qs = new Vector3d(Math.Abs(q.X), q.Y, q.Z);
        // lips
        double mouthY = -0.56;
        double lipW = (1 - SmoothStep(0.17, 0.26, qs.X)) * (1 - SmoothStep(0.07, 0.12 + 0.09 * p.MouthOpen + 0.05 * p.Smile, Math.Abs(q.Y - (mouthY - 0.05 * p.MouthOpen + 0.035 * p.Smile)))) * SmoothStep(0.7, 0.8, q.Z);
        c = Vector3d.Lerp(c, new Vector3d(p.LipColor[0], p.LipColor[1], p.LipColor[2]), lipW);
        // eyebrows: a band just above each eye socket
        double bx = qs.X - p.EyeSpacing;
        double browW = (1 - SmoothStep(0.14, 0.2, Math.Abs(bx))) * (1 - SmoothStep(0.025, 0.05, Math.Abs(q.Y - (0.3 + p.BrowHeight + 0.03 * Math.Cos(6 * bx))))) * SmoothStep(0.7, 0.8, q.Z);
        var hair = new Vector3d(p.HairColor[0], p.HairColor[1], p.HairColor[2]);
        c = Vector3d.Lerp(c, hair * 0.8, 0.85 * browW);
        // eyes: white sclera, coloured iris, dark pupil (on the eyeball spheres only)
        var e = qs - new Vector3d(p.EyeSpacing, 0.08, 0.78);
        if (e.Length < 0.15 && q.Z > 0.84)
        {
            double ang = Math.Sqrt(e.X * e.X + e.Y * e.Y) / 0.14;
            c = ang < 0.22 ? new Vector3d(0.04, 0.03, 0.03) : ang < 0.5 ? new Vector3d(0.25 + 0.2 * Math.Sin(ph[7]), 0.3, 0.25 + 0.15 * Math.Cos(ph[7])) : new Vector3d(0.9, 0.88, 0.85);
        }
        // hair cap: above the hair line at the front, everything high or behind the ears
        double hairFront = q.Y - (p.HairLine + 0.25 * Math.Max(0, -q.Z) + 0.05 * Math.Sin(9 * q.X + ph[8]));
        double back = -q.Z - 0.1 + 0.5 * (q.Y + 0.2);
        double hairW = Math.Max(SmoothStep(0.7, 0.78, hairFront + 0.8), SmoothStep(0.0, 0.08, Math.Min(back, q.Y + 0.7)));
        hairW *= SmoothStep(-0.6, -0.45, q.Y);
        double strands = 0.85 + 0.15 * Math.Sin(40 * q.X + 7 * q.Z + ph[2]);
        c = Vector3d.Lerp(c, hair * strands, hairW);
        return new Vector3d(Math.Clamp(c.X, 0, 1), Math.Clamp(c.Y, 0, 1), Math.Clamp(c.Z, 0, 1));
    }

    static double Sphere(Vector3d q, double r) => q.Length - r;

    static double RoundBox(Vector3d q, Vector3d half, double r)
    {
        var a = new Vector3d(Math.Abs(q.X) - half.X, Math.Abs(q.Y) - half.Y, Math.Abs(q.Z) - half.Z);
        var outside = new Vector3d(Math.Max(a.X, 0), Math.Max(a.Y, 0), Math.Max(a.Z, 0)).Length;
        return outside + Math.Min(Math.Max(a.X, Math.Max(a.Y, a.Z)), 0) - r;
    }

    static double Capsule(Vector3d q, Vector3d a, Vector3d b, double r)
    {
        var pa = q - a;
        var ba = b - a;
        double h = Math.Clamp(Vector3d.Dot(pa, ba) / Vector3d.Dot(ba, ba), 0, 1);
        return (pa - ba * h).Length - r;
    }

    /// <summary>iq's ellipsoid bound k0*(k0-1)/k1: exact on the surface, a good distance estimate nearby.</summary>
    static double Ellipsoid(Vector3d q, Vector3d r)
    {
        double k0 = new Vector3d(q.X / r.X, q.Y / r.Y, q.Z / r.Z).Length;
        double k1 = new Vector3d(q.X / (r.X * r.X), q.Y / (r.Y * r.Y), q.Z / (r.Z * r.Z)).Length;
        if (k1 < 1e-12) return -Math.Min(r.X, Math.Min(r.Y, r.Z));
        return k0 * (k0 - 1) / k1;
    }

    static double SmoothUnion(double a, double b, double k)
    {
        double h = Math.Clamp(0.5 + 0.5 * (b - a) / k, 0, 1);
        return b + (a - b) * h - k * h * (1 - h);
    }

    static double SmoothSubtract(double a, double b, double k)
    {
        double h = Math.Clamp(0.5 - 0.5 * (a + b) / k, 0, 1);
        return a + (-b - a) * h + k * h * (1 - h);
    }

    static double SmoothStep(double e0, double e1, double x)
    {
        double t = Math.Clamp((x - e0) / (e1 - e0), 0, 1);
        return t * t * (3 - 2 * t);
    }
}

/// <summary>Minimal double-precision 3-vector (System.Numerics.Vector3 is float only).</summary>
public readonly record struct Vector3d(double X, double Y, double Z)
{
    public static Vector3d operator +(Vector3d a, Vector3d b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z);
    public static Vector3d operator -(Vector3d a, Vector3d b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z);
    public static Vector3d operator *(Vector3d a, double s) => new(a.X * s, a.Y * s, a.Z * s);
    public static Vector3d operator *(double s, Vector3d a) => new(a.X * s, a.Y * s, a.Z * s);
    public static double Dot(Vector3d a, Vector3d b) => a.X * b.X + a.Y * b.Y + a.Z * b.Z;
    public static Vector3d Cross(Vector3d a, Vector3d b) => new(a.Y * b.Z - a.Z * b.Y, a.Z * b.X - a.X * b.Z, a.X * b.Y - a.Y * b.X);
    public static Vector3d Lerp(Vector3d a, Vector3d b, double t) => a + (b - a) * t;
    public double Length => Math.Sqrt(X * X + Y * Y + Z * Z);
    public Vector3d Normalized() { double l = Length; return l > 0 ? this * (1 / l) : this; }
}
