using System.Globalization;
using System.Text;

namespace HeadRecon.Data.Import;

/// <summary>One COLMAP camera (intrinsics shared by images): model name, size and the model's parameters.</summary>
public sealed record ColmapCamera(int Id, string Model, int Width, int Height, double[] Params);

/// <summary>A keypoint of an image: pixel (COLMAP convention: the top-left pixel's centre is (0.5, 0.5)) and the 3D point it observes (−1: none).</summary>
public readonly record struct ColmapKeypoint(double X, double Y, long Point3DId);

/// <summary>One registered image: world-to-camera rotation (unit quaternion w, x, y, z, Hamilton) and translation, OpenCV axes.</summary>
public sealed record ColmapImage(int Id, double[] Quaternion, double[] Translation, int CameraId, string Name, IReadOnlyList<ColmapKeypoint> Keypoints)
{
    /// <summary>Row-major 3×3 world-to-camera rotation.</summary>
    public double[] Rotation => Rotations.FromQuaternion(Quaternion[0], Quaternion[1], Quaternion[2], Quaternion[3]);

    /// <summary>Camera-to-world [Rᵀ | −Rᵀt] (OpenCV axes: x right, y down, z forward), row-major 4×4.</summary>
    public double[] CameraToWorld
    {
        get
        {
            var rt = Rotations.Transpose(Rotation);
            var c = Rotations.Apply(rt, -Translation[0], -Translation[1], -Translation[2]);
            return [rt[0], rt[1], rt[2], c[0], rt[3], rt[4], rt[5], c[1], rt[6], rt[7], rt[8], c[2], 0, 0, 0, 1];
        }
    }

    /// <summary>An image from an OpenCV camera-to-world.</summary>
    public static ColmapImage FromCameraToWorld(int id, double[] c2w, int cameraId, string name, IReadOnlyList<ColmapKeypoint>? keypoints = null)
    {
        var (r, t) = PinholeCamera.WorldToCamera(c2w);
        var (w, x, y, z) = Rotations.ToQuaternion(r);
        return new ColmapImage(id, [w, x, y, z], t, cameraId, name, keypoints ?? []);
    }
}

/// <summary>One 3D point with its colour, reprojection error and track (image id, keypoint index).</summary>
public sealed record ColmapPoint(long Id, double X, double Y, double Z, byte R, byte G, byte B, double Error, IReadOnlyList<(int ImageId, int KeypointIndex)> Track);

public enum ColmapFormat { Auto, Text, Binary }

/// <summary>
/// A COLMAP sparse model (cameras, images, points3D) in its text (.txt) or binary (.bin, little endian) layout as
/// documented at colmap.github.io/format.html; when a folder holds both, COLMAP prefers the binary files and so does
/// <see cref="Read"/>. rigs/frames files (COLMAP ≥ 3.12) are not needed: cameras and images stay compatible.
/// </summary>
public sealed record ColmapModel(IReadOnlyList<ColmapCamera> Cameras, IReadOnlyList<ColmapImage> Images, IReadOnlyList<ColmapPoint> Points)
{
    /// <summary>Parameter counts of COLMAP's camera models, by model id (src/colmap/sensor/models.h).</summary>
    public static readonly IReadOnlyList<(string Name, int Params)> Models =
    [
        ("SIMPLE_PINHOLE", 3), ("PINHOLE", 4), ("SIMPLE_RADIAL", 4), ("RADIAL", 5), ("OPENCV", 8), ("OPENCV_FISHEYE", 8),
        ("FULL_OPENCV", 12), ("FOV", 5), ("SIMPLE_RADIAL_FISHEYE", 4), ("RADIAL_FISHEYE", 5), ("THIN_PRISM_FISHEYE", 12),
    ];

    public static ColmapModel Read(string dir, ColmapFormat format = ColmapFormat.Auto)
    {
        if (!Directory.Exists(dir)) throw new DatasetException($"{dir}: COLMAP model folder not found");
        bool bin = File.Exists(Path.Combine(dir, "cameras.bin")) && File.Exists(Path.Combine(dir, "images.bin"));
        bool txt = File.Exists(Path.Combine(dir, "cameras.txt")) && File.Exists(Path.Combine(dir, "images.txt"));
        if (format == ColmapFormat.Auto) format = bin ? ColmapFormat.Binary : txt ? ColmapFormat.Text
            : throw new DatasetException($"{dir}: no COLMAP model (cameras.bin + images.bin or cameras.txt + images.txt); give the sparse/<n> folder");
        if (format == ColmapFormat.Binary && !bin) throw new DatasetException($"{dir}: cameras.bin or images.bin is missing");
        if (format == ColmapFormat.Text && !txt) throw new DatasetException($"{dir}: cameras.txt or images.txt is missing");
        string ext = format == ColmapFormat.Binary ? ".bin" : ".txt";
        string points = Path.Combine(dir, "points3D" + ext);
        return format == ColmapFormat.Binary
            ? new ColmapModel(Guard(Path.Combine(dir, "cameras.bin"), ReadCamerasBinary), Guard(Path.Combine(dir, "images.bin"), ReadImagesBinary), File.Exists(points) ? Guard(points, ReadPointsBinary) : [])
            : new ColmapModel(ReadCamerasText(Path.Combine(dir, "cameras.txt")), ReadImagesText(Path.Combine(dir, "images.txt")), File.Exists(points) ? ReadPointsText(points) : []);
    }

    static T Guard<T>(string path, Func<BinaryReader, string, T> read)
    {
        try
        {
            using var fs = File.OpenRead(path);
            using var br = new BinaryReader(fs);
            var result = read(br, path);
            if (fs.Position != fs.Length) throw new DatasetException($"{path}: {fs.Length - fs.Position} bytes after the last record; not a COLMAP binary model file");
            return result;
        }
        catch (EndOfStreamException ex) { throw new DatasetException($"{path}: truncated COLMAP binary file", ex); }
    }

    // ---- text ----

    static IEnumerable<(int Line, string Text)> DataLines(string path)
    {
        int n = 0;
        foreach (var raw in File.ReadLines(path))
        {
            n++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            yield return (n, line);
        }
    }

    static List<ColmapCamera> ReadCamerasText(string path)
    {
        var cams = new List<ColmapCamera>();
        foreach (var (n, line) in DataLines(path))
        {
            var e = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (e.Length < 4) throw new DatasetException($"{path}:{n}: expected CAMERA_ID MODEL WIDTH HEIGHT PARAMS[]");
            string model = e[1];
            int expected = ParamCount(model, path, n);
            if (e.Length - 4 != expected) throw new DatasetException($"{path}:{n}: {model} has {expected} parameters, found {e.Length - 4}");
            cams.Add(new ColmapCamera(Int(e[0], path, n), model, Int(e[2], path, n), Int(e[3], path, n), e[4..].Select(x => Dbl(x, path, n)).ToArray()));
        }
        return cams;
    }

    static List<ColmapImage> ReadImagesText(string path)
    {
        var images = new List<ColmapImage>();
        var lines = File.ReadAllLines(path);
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            int n = i + 1;
            var e = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (e.Length < 10) throw new DatasetException($"{path}:{n}: expected IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME");
            var q = e[1..5].Select(x => Dbl(x, path, n)).ToArray();
            var t = e[5..8].Select(x => Dbl(x, path, n)).ToArray();
            // The name may contain spaces; the keypoints are the next line, which may be empty.
            string name = string.Join(' ', e[9..]);
            var kps = new List<ColmapKeypoint>();
            if (i + 1 < lines.Length)
            {
                i++;
                var p = lines[i].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (p.Length % 3 != 0) throw new DatasetException($"{path}:{i + 1}: POINTS2D must be (X, Y, POINT3D_ID) triples");
                for (int k = 0; k < p.Length; k += 3) kps.Add(new ColmapKeypoint(Dbl(p[k], path, i + 1), Dbl(p[k + 1], path, i + 1), Long(p[k + 2], path, i + 1)));
            }
            images.Add(new ColmapImage(Int(e[0], path, n), q, t, Int(e[8], path, n), name, kps));
        }
        return images;
    }

    static List<ColmapPoint> ReadPointsText(string path)
    {
        var pts = new List<ColmapPoint>();
        foreach (var (n, line) in DataLines(path))
        {
            var e = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (e.Length < 8 || (e.Length - 8) % 2 != 0) throw new DatasetException($"{path}:{n}: expected POINT3D_ID X Y Z R G B ERROR TRACK[]");
            var track = new List<(int, int)>();
            for (int k = 8; k < e.Length; k += 2) track.Add((Int(e[k], path, n), Int(e[k + 1], path, n)));
            pts.Add(new ColmapPoint(Long(e[0], path, n), Dbl(e[1], path, n), Dbl(e[2], path, n), Dbl(e[3], path, n),
                (byte)Int(e[4], path, n), (byte)Int(e[5], path, n), (byte)Int(e[6], path, n), Dbl(e[7], path, n), track));
        }
        return pts;
    }

    static int ParamCount(string model, string path, int line)
    {
        foreach (var (name, count) in Models) if (name == model) return count;
        throw new DatasetException($"{path}:{line}: unknown camera model '{model}'");
    }

    static int Int(string s, string path, int line) =>
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw new DatasetException($"{path}:{line}: '{s}' is not an integer");

    static long Long(string s, string path, int line) =>
        long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v : throw new DatasetException($"{path}:{line}: '{s}' is not an integer");

    static double Dbl(string s, string path, int line) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : throw new DatasetException($"{path}:{line}: '{s}' is not a number");

    // ---- binary ----

    static List<ColmapCamera> ReadCamerasBinary(BinaryReader br, string path)
    {
        ulong n = br.ReadUInt64();
        var cams = new List<ColmapCamera>();
        for (ulong i = 0; i < n; i++)
        {
            int id = br.ReadInt32();
            int modelId = br.ReadInt32();
            if (modelId < 0 || modelId >= Models.Count) throw new DatasetException($"{path}: camera {id} has unknown model id {modelId}");
            ulong w = br.ReadUInt64(), h = br.ReadUInt64();
            var (name, count) = Models[modelId];
            var p = new double[count];
            for (int k = 0; k < count; k++) p[k] = br.ReadDouble();
            cams.Add(new ColmapCamera(id, name, checked((int)w), checked((int)h), p));
        }
        return cams;
    }

    static List<ColmapImage> ReadImagesBinary(BinaryReader br, string path)
    {
        ulong n = br.ReadUInt64();
        var images = new List<ColmapImage>();
        for (ulong i = 0; i < n; i++)
        {
            int id = br.ReadInt32();
            double[] q = [br.ReadDouble(), br.ReadDouble(), br.ReadDouble(), br.ReadDouble()];
            double[] t = [br.ReadDouble(), br.ReadDouble(), br.ReadDouble()];
            int cam = br.ReadInt32();
            var name = new List<byte>();
            for (byte b; (b = br.ReadByte()) != 0;) name.Add(b);
            ulong np = br.ReadUInt64();
            if (np > 100_000_000) throw new DatasetException($"{path}: image {id} claims {np} keypoints; not a COLMAP images.bin");
            var kps = new List<ColmapKeypoint>((int)np);
            for (ulong k = 0; k < np; k++) kps.Add(new ColmapKeypoint(br.ReadDouble(), br.ReadDouble(), br.ReadInt64()));
            images.Add(new ColmapImage(id, q, t, cam, Encoding.UTF8.GetString(name.ToArray()), kps));
        }
        return images;
    }

    static List<ColmapPoint> ReadPointsBinary(BinaryReader br, string path)
    {
        ulong n = br.ReadUInt64();
        var pts = new List<ColmapPoint>();
        for (ulong i = 0; i < n; i++)
        {
            long id = (long)br.ReadUInt64();
            double x = br.ReadDouble(), y = br.ReadDouble(), z = br.ReadDouble();
            byte r = br.ReadByte(), g = br.ReadByte(), b = br.ReadByte();
            double err = br.ReadDouble();
            ulong len = br.ReadUInt64();
            if (len > 10_000_000) throw new DatasetException($"{path}: point {id} claims a track of {len}; not a COLMAP points3D.bin");
            var track = new List<(int, int)>((int)len);
            for (ulong k = 0; k < len; k++) track.Add((br.ReadInt32(), br.ReadInt32()));
            pts.Add(new ColmapPoint(id, x, y, z, r, g, b, err, track));
        }
        return pts;
    }

    // ---- writing ----

    static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Writes cameras.txt, images.txt and points3D.txt with COLMAP's headers.</summary>
    public void WriteText(string dir)
    {
        Directory.CreateDirectory(dir);
        var sb = new StringBuilder("# Camera list with one line of data per camera:\n#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]\n");
        sb.Append(CultureInfo.InvariantCulture, $"# Number of cameras: {Cameras.Count}\n");
        foreach (var c in Cameras) sb.Append(CultureInfo.InvariantCulture, $"{c.Id} {c.Model} {c.Width} {c.Height} {string.Join(' ', c.Params.Select(F))}\n");
        File.WriteAllText(Path.Combine(dir, "cameras.txt"), sb.ToString());

        double meanObs = Images.Count == 0 ? 0 : Images.Average(i => (double)i.Keypoints.Count);
        sb = new StringBuilder("# Image list with two lines of data per image:\n#   IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME\n#   POINTS2D[] as (X, Y, POINT3D_ID)\n");
        sb.Append(CultureInfo.InvariantCulture, $"# Number of images: {Images.Count}, mean observations per image: {F(meanObs)}\n");
        foreach (var im in Images)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{im.Id} {string.Join(' ', im.Quaternion.Select(F))} {string.Join(' ', im.Translation.Select(F))} {im.CameraId} {im.Name}\n");
            sb.Append(string.Join(' ', im.Keypoints.Select(k => $"{F(k.X)} {F(k.Y)} {k.Point3DId.ToString(CultureInfo.InvariantCulture)}"))).Append('\n');
        }
        File.WriteAllText(Path.Combine(dir, "images.txt"), sb.ToString());

        double meanTrack = Points.Count == 0 ? 0 : Points.Average(p => (double)p.Track.Count);
        sb = new StringBuilder("# 3D point list with one line of data per point:\n#   POINT3D_ID, X, Y, Z, R, G, B, ERROR, TRACK[] as (IMAGE_ID, POINT2D_IDX)\n");
        sb.Append(CultureInfo.InvariantCulture, $"# Number of points: {Points.Count}, mean track length: {F(meanTrack)}\n");
        foreach (var p in Points)
            sb.Append(CultureInfo.InvariantCulture, $"{p.Id} {F(p.X)} {F(p.Y)} {F(p.Z)} {p.R} {p.G} {p.B} {F(p.Error)} {string.Join(' ', p.Track.Select(t => $"{t.ImageId} {t.KeypointIndex}"))}\n");
        File.WriteAllText(Path.Combine(dir, "points3D.txt"), sb.ToString());
    }

    /// <summary>Writes cameras.bin, images.bin and points3D.bin (little endian, COLMAP's record layout).</summary>
    public void WriteBinary(string dir)
    {
        Directory.CreateDirectory(dir);
        using (var bw = new BinaryWriter(File.Create(Path.Combine(dir, "cameras.bin"))))
        {
            bw.Write((ulong)Cameras.Count);
            foreach (var c in Cameras)
            {
                int modelId = Enumerable.Range(0, Models.Count).First(i => Models[i].Name == c.Model);
                bw.Write(c.Id); bw.Write(modelId); bw.Write((ulong)c.Width); bw.Write((ulong)c.Height);
                foreach (var p in c.Params) bw.Write(p);
            }
        }
        using (var bw = new BinaryWriter(File.Create(Path.Combine(dir, "images.bin"))))
        {
            bw.Write((ulong)Images.Count);
            foreach (var im in Images)
            {
                bw.Write(im.Id);
                foreach (var q in im.Quaternion) bw.Write(q);
                foreach (var t in im.Translation) bw.Write(t);
                bw.Write(im.CameraId);
                bw.Write(Encoding.UTF8.GetBytes(im.Name)); bw.Write((byte)0);
                bw.Write((ulong)im.Keypoints.Count);
                foreach (var k in im.Keypoints) { bw.Write(k.X); bw.Write(k.Y); bw.Write(k.Point3DId); }
            }
        }
        using (var bw = new BinaryWriter(File.Create(Path.Combine(dir, "points3D.bin"))))
        {
            bw.Write((ulong)Points.Count);
            foreach (var p in Points)
            {
                bw.Write((ulong)p.Id); bw.Write(p.X); bw.Write(p.Y); bw.Write(p.Z);
                bw.Write(p.R); bw.Write(p.G); bw.Write(p.B); bw.Write(p.Error);
                bw.Write((ulong)p.Track.Count);
                foreach (var (img, idx) in p.Track) { bw.Write(img); bw.Write(idx); }
            }
        }
    }
}
