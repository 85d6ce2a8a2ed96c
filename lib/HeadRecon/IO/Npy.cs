using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace HeadRecon.IO;

/// <summary>One array read from a .npy file: row-major data as float64 or int64, with its shape.</summary>
public sealed record NpyArray(string Name, long[] Shape, string DType, double[]? Floats, long[]? Ints)
{
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
    public bool IsInteger => Ints is not null;

    public float[] AsFloat32() => Floats is not null ? Array.ConvertAll(Floats, v => (float)v) : Array.ConvertAll(Ints!, v => (float)v);
    public double[] AsFloat64() => Floats ?? Array.ConvertAll(Ints!, v => (double)v);
    public long[] AsInt64() => Ints ?? Array.ConvertAll(Floats!, v => (long)v);
    public double Scalar() => AsFloat64()[0];
}

/// <summary>
/// Reader and writer for numpy's .npy and .npz (uncompressed or deflated zip of .npy members).
/// Hand-written: no maintained .NET package reads npz without pulling a numpy clone (NumSharp) in.
/// Supports little-endian f4, f8, i4, i8, u1, b1 in C order, which is what numpy.savez writes for these data.
/// </summary>
public static partial class Npy
{
    static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static NpyArray Read(Stream stream, string name)
    {
        using var br = new BinaryReader(stream, Encoding.ASCII, leaveOpen: true);
        var magic = br.ReadBytes(6);
        if (!magic.AsSpan().SequenceEqual(Magic)) throw new InvalidDataException($"{name}: not a .npy array (bad magic)");
        byte major = br.ReadByte();
        br.ReadByte();
        int headerLen = major == 1 ? br.ReadUInt16() : (int)br.ReadUInt32();
        string header = Encoding.Latin1.GetString(br.ReadBytes(headerLen));
        var descr = DescrRegex().Match(header);
        var order = FortranRegex().Match(header);
        var shapeM = ShapeRegex().Match(header);
        if (!descr.Success || !shapeM.Success) throw new InvalidDataException($"{name}: unparsable .npy header '{header.Trim()}'");
        if (order.Success && order.Groups[1].Value == "True") throw new InvalidDataException($"{name}: Fortran-order arrays are not supported");
        string d = descr.Groups[1].Value;
        long[] shape = shapeM.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (d.StartsWith('>')) throw new InvalidDataException($"{name}: big-endian dtype '{d}' is not supported");
        string t = d.TrimStart('<', '|', '=');
        int size = t switch { "f4" or "i4" or "u4" => 4, "f8" or "i8" or "u8" => 8, "u1" or "i1" or "b1" => 1, "f2" => 2, "i2" or "u2" => 2, _ => throw new InvalidDataException($"{name}: dtype '{d}' is not supported") };
        byte[] raw = br.ReadBytes(checked((int)(count * size)));
        if (raw.Length != count * size) throw new InvalidDataException($"{name}: truncated data ({raw.Length} of {count * size} bytes)");
        double[]? f = null;
        long[]? ints = null;
        switch (t)
        {
            case "f4": f = new double[count]; for (long i = 0; i < count; i++) f[i] = BitConverter.ToSingle(raw, (int)(i * 4)); break;
            case "f8": f = new double[count]; for (long i = 0; i < count; i++) f[i] = BitConverter.ToDouble(raw, (int)(i * 8)); break;
            case "f2": f = new double[count]; for (long i = 0; i < count; i++) f[i] = (double)BitConverter.ToHalf(raw, (int)(i * 2)); break;
            case "i4": ints = new long[count]; for (long i = 0; i < count; i++) ints[i] = BitConverter.ToInt32(raw, (int)(i * 4)); break;
            case "u4": ints = new long[count]; for (long i = 0; i < count; i++) ints[i] = BitConverter.ToUInt32(raw, (int)(i * 4)); break;
            case "i8": ints = new long[count]; for (long i = 0; i < count; i++) ints[i] = BitConverter.ToInt64(raw, (int)(i * 8)); break;
            case "u8": ints = new long[count]; for (long i = 0; i < count; i++) ints[i] = (long)BitConverter.ToUInt64(raw, (int)(i * 8)); break;
            case "i2": ints = new long[count]; for (long i = 0; i < count; i++) ints[i] = BitConverter.ToInt16(raw, (int)(i * 2)); break;
            case "u2": ints = new long[count]; for (long i = 0; i < count; i++) ints[i] = BitConverter.ToUInt16(raw, (int)(i * 2)); break;
            case "i1": ints = new long[count]; for (long i = 0; i < count; i++) ints[i] = (sbyte)raw[i]; break;
            default: ints = new long[count]; for (long i = 0; i < count; i++) ints[i] = raw[i]; break;
        }
        return new NpyArray(name, shape, t, f, ints);
    }

    public static NpyArray ReadFile(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        using var fs = File.OpenRead(path);
        return Read(fs, path);
    }

    /// <summary>Reads every member of an .npz; keys are the member names without ".npy" (they may contain '/').</summary>
    public static Dictionary<string, NpyArray> ReadNpz(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var result = new Dictionary<string, NpyArray>(StringComparer.Ordinal);
            foreach (var entry in zip.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal)) continue;
                string key = entry.FullName[..^4];
                using var s = entry.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                ms.Position = 0;
                result[key] = Read(ms, $"{path}:{key}");
            }
            return result;
        }
        catch (InvalidDataException ex) when (!ex.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: not a readable .npz archive ({ex.Message})", ex);
        }
    }

    /// <summary>Writes float32 arrays as an uncompressed .npz (numpy.savez layout), atomically.</summary>
    public static void WriteNpz(string path, IReadOnlyDictionary<string, (float[] Data, long[] Shape)> arrays)
    {
        AtomicFile.Write(path, fs =>
        {
            using var zip = new ZipArchive(fs, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var (key, (data, shape)) in arrays)
            {
                var entry = zip.CreateEntry(key + ".npy", CompressionLevel.NoCompression);
                using var s = entry.Open();
                WriteNpy(s, data, shape);
            }
        });
    }

    public static void WriteNpy(Stream s, float[] data, long[] shape)
    {
        s.Write(Header("<f4", shape));
        var bytes = new byte[data.Length * 4];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        s.Write(bytes);
    }

    /// <summary>
    /// Writes float64 and/or int64 arrays as an uncompressed .npz the way numpy.savez does (camera files such as IDR's
    /// cameras.npz hold float64), atomically. Member dates are fixed, so the same arrays give the same bytes.
    /// </summary>
    public static void WriteNpz(string path, IEnumerable<(string Key, double[]? Floats, long[]? Ints, long[] Shape)> arrays)
    {
        AtomicFile.Write(path, fs =>
        {
            using var zip = new ZipArchive(fs, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var (key, floats, ints, shape) in arrays)
            {
                if ((floats is null) == (ints is null)) throw new ArgumentException($"{key}: give either float64 or int64 data");
                var entry = zip.CreateEntry(key + ".npy", CompressionLevel.NoCompression);
                entry.LastWriteTime = new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);
                using var s = entry.Open();
                s.Write(Header(floats is not null ? "<f8" : "<i8", shape));
                var bytes = new byte[(floats?.Length ?? ints!.Length) * 8];
                if (floats is not null) Buffer.BlockCopy(floats, 0, bytes, 0, bytes.Length);
                else Buffer.BlockCopy(ints!, 0, bytes, 0, bytes.Length);
                s.Write(bytes);
            }
        });
    }

    /// <summary>The .npy format-1.0 preamble: magic, version, uint16 header length, the dict padded with spaces and a
    /// final newline to a multiple of 64 bytes (numpy's layout).</summary>
    public static byte[] Header(string descr, long[] shape)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        string header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        int total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        var bytes = new byte[10 + header.Length];
        Magic.CopyTo(bytes, 0);
        bytes[6] = 1;
        bytes[7] = 0;
        BitConverter.GetBytes((ushort)header.Length).CopyTo(bytes, 8);
        Encoding.ASCII.GetBytes(header).CopyTo(bytes, 10);
        return bytes;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrRegex();
    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranRegex();
    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeRegex();
}
