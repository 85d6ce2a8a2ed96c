using System.Numerics;

namespace HeadRecon.Data.Synthetic;

/// <summary>
/// Parameters of one synthetic identity. Lengths are in XML (world) units, <see cref="SyntheticHead.MillimetresPerUnit"/>
/// mm each; the face looks towards +z, the top of the head is +y, the neck is cut flat at y = <see cref="NeckCutY"/>.
/// The ranges of <see cref="Random"/> span adult heads from small to large (overall size ±12 %; head breadth and
/// length vary about ±15 % on top), so identities differ in the cranium, the neck, the face's proportions and every
/// facial feature, not only in colour.
/// </summary>
public sealed record HeadParameters(
    int Seed,
    double Scale,
    double CraniumWidth, double CraniumLength, double CraniumHeight, double ForeheadSlope,
    double ParietalWidth, double VertexFlatness, double Occiput, double NeckOffset,
    double FaceLength, double FaceWidth,
    double BrowRidge, double BrowHeight,
    double EyeSpacing, double EyeDepth,
    double Cheekbones, double CheekWidth,
    double NoseLength, double NoseWidth, double NoseBridge, double NoseTip,
    double Philtrum, double LipFullness, double MouthWidth,
    double JawWidth, double ChinLength, double ChinProjection, double ChinWidth,
    double EarSize, double EarAngle,
    double NeckRadius, double NeckTilt,
    double MouthOpen, double Smile,
    double[] SkinTone, double[] HairColor, double[] LipColor, double[] IrisColor, double HairLine,
    double DetailAmplitude, double WrinkleFrequency, double[] BumpDirections, double[] BumpPhases, double[] BumpFrequencies,
    double[] AlbedoPhases)
{
    public const double NeckCutY = -1.85;

    /// <summary>Draws a plausible identity from a seed (System.Random with a seed is stable across runtimes);
    /// expressions are zero unless requested.</summary>
    public static HeadParameters Random(int seed, bool withExpression)
    {
        var rng = new Random(seed);
        double U(double a, double b) => a + (b - a) * rng.NextDouble();
        double tone = rng.NextDouble();
        // skin between a light and a dark tone, hair independent
        double[] skin = [Lerp(0.93, 0.42, tone), Lerp(0.76, 0.28, tone), Lerp(0.66, 0.19, tone)];
        double hairT = rng.NextDouble();
        double[] hair = [Lerp(0.06, 0.55, hairT), Lerp(0.05, 0.38, hairT), Lerp(0.04, 0.2, hairT)];
        double[] lip = [Math.Min(1, skin[0] * U(0.85, 1.0)), skin[1] * U(0.45, 0.6), skin[2] * U(0.5, 0.65)];
        double[] iris = [U(0.15, 0.45), U(0.2, 0.4), U(0.15, 0.45)];
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
        double detail = U(0.005, 0.010); // 0.2–0.4 % of the head height
        double wrinkle = U(18, 24);
        return new HeadParameters(seed,
            Scale: U(0.88, 1.12),
            CraniumWidth: U(0.8, 1.08), CraniumLength: U(1.1, 1.44), CraniumHeight: U(0.88, 1.16), ForeheadSlope: U(0, 1),
            ParietalWidth: U(-0.14, 0.14), VertexFlatness: U(0, 1), Occiput: U(0, 1), NeckOffset: U(-0.15, 0.15),
            FaceLength: U(-0.12, 0.16), FaceWidth: U(0.72, 0.88),
            BrowRidge: U(0, 0.07), BrowHeight: U(0, 0.06),
            EyeSpacing: U(0.30, 0.36), EyeDepth: U(0, 0.07),
            Cheekbones: U(0, 0.08), CheekWidth: U(0.38, 0.48),
            NoseLength: U(0, 0.16), NoseWidth: U(0.07, 0.11), NoseBridge: U(0, 0.08), NoseTip: U(0, 0.05),
            Philtrum: U(0.12, 0.2), LipFullness: U(0.045, 0.08), MouthWidth: U(0.18, 0.26),
            JawWidth: U(0.56, 0.88), ChinLength: U(0, 0.14), ChinProjection: U(-0.04, 0.1), ChinWidth: U(0.2, 0.32),
            EarSize: U(0.85, 1.2), EarAngle: U(0.05, 0.45),
            NeckRadius: U(0.36, 0.6), NeckTilt: U(-0.35, 0.25),
            MouthOpen: withExpression ? U(0, 1) : 0, Smile: withExpression ? U(0, 1) : 0,
            skin, hair, lip, iris, U(0.45, 0.7),
            detail, wrinkle, dirs, phases, freqs, albedoPhases);
    }

    static double Lerp(double a, double b, double t) => a + (b - a) * t;
}

/// <summary>
/// Analytic signed distance of a procedural head: smooth unions of ellipsoids and capsules (cranium, face, jaw, chin,
/// cheekbones, brow ridge, eye sockets and eyes, nose bridge, tip and wings, lips, ears, neck) plus small sinusoidal
/// wrinkles and bumps, all scaled by the identity's overall size. The ellipsoid distance is iq's gradient-normalised
/// bound and every blend is close to 1-Lipschitz, so sphere tracing with a 0.9 step factor is safe; the detail term
/// adds at most ~0.2 to the gradient norm.
/// </summary>
public sealed class SyntheticHead
{
    readonly HeadParameters _p;
    readonly Layout _l;

    /// <summary>Where the features sit, before the overall scale (derived once from the parameters).</summary>
    sealed record Layout(double CraniumCentreZ, Vector3d EyeBall, Vector3d EyeSocket, Vector3d NoseRoot, Vector3d NoseTip, Vector3d NoseBase,
        double MouthY, double MouthZ, double MouthHalfWidth, Vector3d Chin, double JawY, Vector3d Ear);

    public SyntheticHead(HeadParameters parameters)
    {
        _p = parameters;
        double craniumFront = 1.1;
        var eyeBall = new Vector3d(_p.EyeSpacing, 0.08, 0.78 - _p.EyeDepth);
        var tip = new Vector3d(0, -0.26 - 0.5 * _p.NoseLength - 0.3 * _p.FaceLength, 1.1 + _p.NoseLength + 0.5 * _p.NoseBridge);
        var noseBase = new Vector3d(0, tip.Y - 0.11, tip.Z - 0.2);
        double mouthY = noseBase.Y - _p.Philtrum;
        _l = new Layout(
            CraniumCentreZ: craniumFront - _p.CraniumLength,
            EyeBall: eyeBall,
            EyeSocket: new Vector3d(_p.EyeSpacing, 0.1, 0.93 - 0.5 * _p.EyeDepth),
            NoseRoot: new Vector3d(0, 0.12, 0.93 + _p.NoseBridge),
            NoseTip: tip,
            NoseBase: noseBase,
            MouthY: mouthY,
            MouthZ: 0.93 + 0.3 * _p.ChinProjection,
            MouthHalfWidth: _p.MouthWidth + 0.03 * _p.Smile,
            Chin: new Vector3d(0, -0.98 - _p.FaceLength - _p.ChinLength, 0.55 + _p.ChinProjection),
            JawY: -0.72 - _p.FaceLength,
            Ear: new Vector3d(0.93 * _p.CraniumWidth, 0.05, -0.05 - 0.3 * (_p.CraniumLength - 1.26)));
    }

    public HeadParameters Parameters => _p;

    /// <summary>Millimetres per XML unit: the synthetic family's real-world scale (an adult head is ~150 mm wide).</summary>
    public const double MillimetresPerUnit = 75.0;

    /// <summary>Axis-aligned box that contains every identity's whole surface (with margin).</summary>
    public static (Vector3d Min, Vector3d Max) Bounds => (new(-1.5, HeadParameters.NeckCutY - 0.05, -2.1), new(1.5, 1.75, 1.8));

    public double Distance(Vector3d q) => Math.Max(_p.Scale * (ShapeDistance(q * (1 / _p.Scale)) + Detail(q * (1 / _p.Scale))), HeadParameters.NeckCutY - q.Y);

    /// <summary>Smooth shape without the high-frequency detail (used to place the albedo regions).</summary>
    public double BaseDistance(Vector3d q) => Math.Max(_p.Scale * ShapeDistance(q * (1 / _p.Scale)), HeadParameters.NeckCutY - q.Y);

    /// <summary>The shape before the overall scale and the neck cut.</summary>
    double ShapeDistance(Vector3d q)
    {
        double x = q.X, y = q.Y, z = q.Z;
        var qs = new Vector3d(Math.Abs(x), y, z); // left-right symmetric parts
        // Cranium: a sloping forehead recedes with height (a mild shear), the parietal region widens or narrows with
        // height (pear- or egg-shaped from the front), a flat vertex cuts the top (a smooth intersection), an
        // occipital bun bulges at the back; every warp is gentle, so the bound stays close to 1-Lipschitz.
        double above = Math.Max(0, y - 0.2);
        double widen = 1 + _p.ParietalWidth * Math.Clamp(y - 0.3, -0.8, 0.9);
        var qc = new Vector3d(x / widen, y, z + 0.14 * _p.ForeheadSlope * above);
        double d = Ellipsoid(qc - new Vector3d(0, 0.32, _l.CraniumCentreZ), new(_p.CraniumWidth, _p.CraniumHeight, _p.CraniumLength));
        d = SmoothIntersect(d, y - (0.32 + _p.CraniumHeight - 0.12 * _p.VertexFlatness), 0.3);
        d = SmoothUnion(d, Ellipsoid(q - new Vector3d(0, 0.12, _l.CraniumCentreZ - _p.CraniumLength + 0.3), new(0.55 * _p.CraniumWidth, 0.42, 0.3 + 0.14 * _p.Occiput)), 0.25);
        // face mass and jaw
        d = SmoothUnion(d, Ellipsoid(q - new Vector3d(0, -0.3 - 0.5 * _p.FaceLength, 0.2), new(_p.FaceWidth, 0.8 + 0.5 * _p.FaceLength, 0.78)), 0.25);
        d = SmoothUnion(d, Ellipsoid(q - new Vector3d(0, _l.JawY, 0.28), new(_p.JawWidth, 0.42, 0.62)), 0.2);
        d = SmoothUnion(d, Ellipsoid(q - _l.Chin, new(_p.ChinWidth, 0.24, 0.24)), 0.15);
        // cheekbones
        d = SmoothUnion(d, Ellipsoid(qs - new Vector3d(_p.CheekWidth, -0.15, 0.55 + _p.Cheekbones), new(0.28, 0.2, 0.3)), 0.12);
        // brow ridge
        double browY = 0.27 + _p.BrowHeight, browZ = 0.8 + _p.BrowRidge;
        d = SmoothUnion(d, Capsule(q, new Vector3d(-0.45, browY, browZ), new Vector3d(0.45, browY, browZ), 0.11), 0.1);
        // eye sockets carved, then the eyeballs
        d = SmoothSubtract(d, Sphere(qs - _l.EyeSocket, 0.19), 0.07);
        d = SmoothUnion(d, Sphere(qs - _l.EyeBall, 0.14), 0.03);
        // nose: a bridge that widens from the root to the tip (a round cone), the tip, the underside back to the base
        // (columella) and the wings, so that its profile is a wedge rather than a ball on a stick
        double tipRadius = 0.8 * _p.NoseWidth + 0.03 + _p.NoseTip;
        d = SmoothUnion(d, RoundCone(q, _l.NoseRoot, _l.NoseTip, 0.06, tipRadius), 0.1);
        d = SmoothUnion(d, Capsule(q, _l.NoseTip, _l.NoseBase + new Vector3d(0, 0.02, 0.04), 0.7 * tipRadius), 0.08);
        d = SmoothUnion(d, Sphere(qs - new Vector3d(_p.NoseWidth + 0.01, _l.NoseTip.Y - 0.06, _l.NoseTip.Z - 0.15), 0.07), 0.06);
        // lips: corners rise with the smile, lower lip drops with the open mouth
        double corner = 0.07 * _p.Smile;
        double open = 0.09 * _p.MouthOpen;
        double mz = _l.MouthZ, mw = _l.MouthHalfWidth;
        var upper = Capsule(qs, new Vector3d(0, _l.MouthY + 0.055, mz + 0.02), new Vector3d(mw, _l.MouthY + 0.02 + corner, mz - 0.13), _p.LipFullness);
        var lower = Capsule(qs, new Vector3d(0, _l.MouthY - 0.06 - open, mz - 0.3 * open), new Vector3d(mw - 0.01, _l.MouthY + corner, mz - 0.13), _p.LipFullness);
        d = SmoothUnion(d, Math.Min(upper, lower), 0.05);
        // mouth slit / opening: a rounded box (exact distance) rather than a thin ellipsoid, whose bound is far from 1-Lipschitz
        d = SmoothSubtract(d, RoundBox(q - new Vector3d(0, _l.MouthY - 0.5 * open + 0.25 * corner, mz - 0.01), new Vector3d(mw - 0.06, 0.002 + open * 0.5, 0.18), 0.012), 0.02);
        // ears: an ellipsoid turned out from the head by EarAngle, with a hollow (concha) on its outer side
        d = SmoothUnion(d, Ear(qs - _l.Ear), 0.06);
        // neck
        d = SmoothUnion(d, Capsule(q, new Vector3d(0, -0.6, -0.2 + _p.NeckOffset), new Vector3d(0, -2.5, -0.3 + _p.NeckOffset + _p.NeckTilt), _p.NeckRadius), 0.2);
        return d;
    }

    double Ear(Vector3d e)
    {
        // Rotate about y so the back of the ear stands away from the head (x outwards, z forwards).
        double c = Math.Cos(_p.EarAngle), s = Math.Sin(_p.EarAngle);
        var r = new Vector3d(c * e.X + s * e.Z, e.Y, -s * e.X + c * e.Z);
        var size = new Vector3d(0.1, 0.3 * _p.EarSize, 0.19 * _p.EarSize);
        double ear = Ellipsoid(r, size);
        return SmoothSubtract(ear, Ellipsoid(r - new Vector3d(0.09, -0.02, 0.01), new(0.05, 0.17 * _p.EarSize, 0.1 * _p.EarSize)), 0.03);
    }

    /// <summary>Horizontal forehead wrinkles plus per-identity oriented ripples; amplitude ~0.2–0.4 % of head size.</summary>
    public double Detail(Vector3d q)
    {
        double a = _p.DetailAmplitude;
        // forehead window: front, above the brows
        double fw = SmoothStep(0.35, 0.55, q.Y) * (1 - SmoothStep(0.95, 1.15, q.Y)) * SmoothStep(0.3, 0.8, q.Z);
        double wr = fw * Math.Sin(_p.WrinkleFrequency * q.Y) * a;
        double bump = 0;
        int nb = _p.BumpPhases.Length;
        for (int i = 0; i < nb; i++)
        {
            double proj = _p.BumpDirections[3 * i] * q.X + _p.BumpDirections[3 * i + 1] * q.Y + _p.BumpDirections[3 * i + 2] * q.Z;
            bump += Math.Sin(_p.BumpFrequencies[i] * proj + _p.BumpPhases[i]);
        }
        return wr + 0.5 * a * bump / nb;
    }

    public Vector3d Normal(Vector3d q)
    {
        const double H = 1e-4;
        double dx = Distance(q + new Vector3d(H, 0, 0)) - Distance(q - new Vector3d(H, 0, 0));
        double dy = Distance(q + new Vector3d(0, H, 0)) - Distance(q - new Vector3d(0, H, 0));
        double dz = Distance(q + new Vector3d(0, 0, H)) - Distance(q - new Vector3d(0, 0, H));
        return new Vector3d(dx, dy, dz).Normalized();
    }

    /// <summary>
    /// The facial landmarks on this head's surface. Each is placed at its (x, y) from the layout and moved onto the
    /// surface along −z from in front of the face (the first hit), so it lies exactly on the zero level set.
    /// The subject's right is −x (the face looks towards +z, y up).
    /// </summary>
    public HeadLandmarks Landmarks()
    {
        double corner = 0.07 * _p.Smile;
        double ex = _p.EyeSpacing, ey = _l.EyeBall.Y;
        var xy = new Dictionary<string, (double X, double Y)>
        {
            [HeadLandmarks.RightEyeOuter] = (-(ex + 0.12), ey),
            [HeadLandmarks.RightEyeInner] = (-(ex - 0.12), ey),
            [HeadLandmarks.LeftEyeInner] = (ex - 0.12, ey),
            [HeadLandmarks.LeftEyeOuter] = (ex + 0.12, ey),
            [HeadLandmarks.RightEye] = (-ex, ey),
            [HeadLandmarks.LeftEye] = (ex, ey),
            [HeadLandmarks.NoseTip] = (0, _l.NoseTip.Y),
            [HeadLandmarks.NoseBase] = (0, _l.NoseBase.Y),
            [HeadLandmarks.MouthRight] = (-(_l.MouthHalfWidth - 0.01), _l.MouthY + 0.01 + corner),
            [HeadLandmarks.MouthLeft] = (_l.MouthHalfWidth - 0.01, _l.MouthY + 0.01 + corner),
            [HeadLandmarks.Chin] = (0, _l.Chin.Y - 0.2),
        };
        var (bmin, bmax) = Bounds;
        var points = new Dictionary<string, Vector3d>();
        foreach (var (name, (x, y)) in xy)
        {
            var origin = new Vector3d(x * _p.Scale, y * _p.Scale, bmax.Z + 1);
            if (!HeadRenderer.Trace(this, origin, new Vector3d(0, 0, -1), bmin, bmax, out var hit))
                throw new InvalidOperationException($"landmark {name}: no surface along −z at ({origin.X:F3}, {origin.Y:F3})");
            points[name] = hit;
        }
        return new HeadLandmarks(points);
    }

    /// <summary>Diffuse albedo at a surface point: skin tone with smooth blotches and freckles, hair cap, darker brows, red lips, eyes.</summary>
    public Vector3d Albedo(Vector3d world)
    {
        var q = world * (1 / _p.Scale);
        var ph = _p.AlbedoPhases;
        var skin = new Vector3d(_p.SkinTone[0], _p.SkinTone[1], _p.SkinTone[2]);
        double blotch = 0.5 + 0.25 * (Math.Sin(3.1 * q.X + ph[0]) * Math.Sin(2.7 * q.Y + ph[1]) + Math.Sin(2.3 * q.Z + ph[2]) * Math.Sin(3.7 * q.X + 1.3 * q.Y + ph[3]));
        var c = skin * (0.9 + 0.2 * blotch);
        // freckles on the cheeks and nose: sparse dark spots from a product of sines
        double fr = Math.Sin(23 * q.X + ph[4]) * Math.Sin(19 * q.Y + ph[5]) * Math.Sin(21 * q.Z + ph[6]);
        double frWindow = SmoothStep(0.5, 0.8, q.Z) * (1 - SmoothStep(0.1, 0.3, q.Y)) * SmoothStep(_l.MouthY + 0.15, _l.MouthY + 0.3, q.Y);
        c *= 1 - 0.35 * frWindow * SmoothStep(0.55, 0.8, fr);
        var qs = new Vector3d(Math.Abs(q.X), q.Y, q.Z);
        // lips
        double lipCentre = _l.MouthY - 0.05 * _p.MouthOpen + 0.035 * _p.Smile;
        double lipW = (1 - SmoothStep(_l.MouthHalfWidth - 0.07, _l.MouthHalfWidth + 0.02, qs.X))
            * (1 - SmoothStep(0.07, 0.12 + 0.09 * _p.MouthOpen + 0.05 * _p.Smile, Math.Abs(q.Y - lipCentre))) * SmoothStep(_l.MouthZ - 0.23, _l.MouthZ - 0.13, q.Z);
        c = Vector3d.Lerp(c, new Vector3d(_p.LipColor[0], _p.LipColor[1], _p.LipColor[2]), lipW);
        // eyebrows: a band just above each eye socket
        double bx = qs.X - _p.EyeSpacing;
        double browW = (1 - SmoothStep(0.14, 0.2, Math.Abs(bx))) * (1 - SmoothStep(0.025, 0.05, Math.Abs(q.Y - (0.3 + _p.BrowHeight + 0.03 * Math.Cos(6 * bx)))))
            * SmoothStep(0.7, 0.8, q.Z);
        var hair = new Vector3d(_p.HairColor[0], _p.HairColor[1], _p.HairColor[2]);
        c = Vector3d.Lerp(c, hair * 0.8, 0.85 * browW);
        // eyes: white sclera, coloured iris, dark pupil (on the eyeball spheres only)
        var e = qs - _l.EyeBall;
        if (e.Length < 0.15 && q.Z > _l.EyeBall.Z + 0.06)
        {
            double ang = Math.Sqrt(e.X * e.X + e.Y * e.Y) / 0.14;
            c = ang < 0.22 ? new Vector3d(0.04, 0.03, 0.03) : ang < 0.5 ? new Vector3d(_p.IrisColor[0], _p.IrisColor[1], _p.IrisColor[2]) : new Vector3d(0.9, 0.88, 0.85);
        }
        // hair cap: above the hair line at the front, everything high or behind the ears
        double hairFront = q.Y - (_p.HairLine + 0.25 * Math.Max(0, -q.Z) + 0.05 * Math.Sin(9 * q.X + ph[8]));
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

    /// <summary>iq's exact round cone: spheres of radius r1 at a and r2 at b joined by their common tangent cone.</summary>
    static double RoundCone(Vector3d q, Vector3d a, Vector3d b, double r1, double r2)
    {
        var ba = b - a;
        double l2 = Vector3d.Dot(ba, ba), rr = r1 - r2, a2 = l2 - rr * rr, il2 = 1.0 / l2;
        var pa = q - a;
        double y = Vector3d.Dot(pa, ba), z = y - l2;
        var xv = pa * l2 - ba * y;
        double x2 = Vector3d.Dot(xv, xv), y2 = y * y * l2, z2 = z * z * l2;
        double k = Math.Sign(rr) * rr * rr * x2;
        if (Math.Sign(z) * a2 * z2 > k) return Math.Sqrt(x2 + z2) * il2 - r2;
        if (Math.Sign(y) * a2 * y2 < k) return Math.Sqrt(x2 + y2) * il2 - r1;
        return (Math.Sqrt(x2 * a2 * il2) + y * rr) * il2 - r1;
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

    static double SmoothIntersect(double a, double b, double k)
    {
        double h = Math.Clamp(0.5 - 0.5 * (b - a) / k, 0, 1);
        return b + (a - b) * h + k * h * (1 - h);
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
