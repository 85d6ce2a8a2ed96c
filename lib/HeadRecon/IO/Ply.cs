using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using HeadRecon.Meshing;

namespace HeadRecon.IO;

/// <summary>
/// Stanford PLY triangle meshes. Writes binary little-endian (float xyz, optional uchar rgb, faces as
/// <c>list uchar int vertex_indices</c>), atomically. Reads binary little-endian and ascii files with float/double
/// (or integer) vertex coordinates, optional red/green/blue colours (uchar, or float in [0, 1]) and faces as lists of
/// any integer type; polygons with more than three corners are fan-triangulated, other elements are skipped.
/// </summary>
public static class Ply
{
    /// <summary>Writes the mesh to <paramref name="path"/> via a temporary file in the same folder and a rename,
    /// so readers never see a half-written file.</summary>
    public static void Write(string path, Mesh mesh)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        AtomicFile.Write(path, fs => Write(fs, mesh));
    }

    /// <summary>Writes the binary little-endian PLY to a stream (left open).</summary>
    public static void Write(Stream stream, Mesh mesh)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        var header = new StringBuilder();
        header.Append("ply\nformat binary_little_endian 1.0\ncomment written by HeadRecon\n");
        header.Append(CultureInfo.InvariantCulture, $"element vertex {mesh.VertexCount}\n");
        header.Append("property float x\nproperty float y\nproperty float z\n");
        if (mesh.Colors is not null) header.Append("property uchar red\nproperty uchar green\nproperty uchar blue\n");
        header.Append(CultureInfo.InvariantCulture, $"element face {mesh.FaceCount}\n");
        header.Append("property list uchar int vertex_indices\nend_header\n");
        stream.Write(Encoding.ASCII.GetBytes(header.ToString()));

        const int Batch = 8192;
        bool colored = mesh.Colors is not null;
        int vStride = colored ? 15 : 12;
        var buf = new byte[Batch * Math.Max(vStride, 13)];
        for (int start = 0; start < mesh.VertexCount; start += Batch)
        {
            int count = Math.Min(Batch, mesh.VertexCount - start);
            for (int i = 0; i < count; i++)
            {
                int v = start + i, o = i * vStride;
                BinaryPrimitives.WriteSingleLittleEndian(buf.AsSpan(o), mesh.Vertices[v * 3]);
                BinaryPrimitives.WriteSingleLittleEndian(buf.AsSpan(o + 4), mesh.Vertices[v * 3 + 1]);
                BinaryPrimitives.WriteSingleLittleEndian(buf.AsSpan(o + 8), mesh.Vertices[v * 3 + 2]);
                if (colored)
                {
                    buf[o + 12] = mesh.Colors![v * 3];
                    buf[o + 13] = mesh.Colors[v * 3 + 1];
                    buf[o + 14] = mesh.Colors[v * 3 + 2];
                }
            }
            stream.Write(buf, 0, count * vStride);
        }
        for (int start = 0; start < mesh.FaceCount; start += Batch)
        {
            int count = Math.Min(Batch, mesh.FaceCount - start);
            for (int i = 0; i < count; i++)
            {
                int f = start + i, o = i * 13;
                buf[o] = 3;
                BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(o + 1), mesh.Faces[f * 3]);
                BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(o + 5), mesh.Faces[f * 3 + 1]);
                BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(o + 9), mesh.Faces[f * 3 + 2]);
            }
            stream.Write(buf, 0, count * 13);
        }
    }

    /// <summary>Reads a PLY mesh; malformed files throw <see cref="InvalidDataException"/> naming the file.</summary>
    public static Mesh Read(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Read(fs, path);
    }

    /// <summary>Reads a PLY mesh from a stream; <paramref name="name"/> is used in error messages.</summary>
    public static Mesh Read(Stream stream, string name)
    {
        try
        {
            return ReadCore(stream, name);
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or OverflowException or ArgumentException)
        {
            throw new InvalidDataException($"{name}: malformed PLY ({e.Message})", e);
        }
    }

    enum Scalar { Int8, UInt8, Int16, UInt16, Int32, UInt32, Float32, Float64 }

    sealed record Property(string Name, Scalar Type, Scalar? CountType);

    sealed record Element(string Name, long Count, List<Property> Properties);

    static Scalar ParseScalar(string t, string name) => t switch
    {
        "char" or "int8" => Scalar.Int8,
        "uchar" or "uint8" => Scalar.UInt8,
        "short" or "int16" => Scalar.Int16,
        "ushort" or "uint16" => Scalar.UInt16,
        "int" or "int32" => Scalar.Int32,
        "uint" or "uint32" => Scalar.UInt32,
        "float" or "float32" => Scalar.Float32,
        "double" or "float64" => Scalar.Float64,
        _ => throw new InvalidDataException($"{name}: unknown PLY property type '{t}'"),
    };

    static int SizeOf(Scalar s) => s switch
    {
        Scalar.Int8 or Scalar.UInt8 => 1,
        Scalar.Int16 or Scalar.UInt16 => 2,
        Scalar.Int32 or Scalar.UInt32 or Scalar.Float32 => 4,
        _ => 8,
    };

    static Mesh ReadCore(Stream stream, string name)
    {
        // Header lines are ASCII; read byte by byte so the stream is positioned exactly at the body.
        string ReadLine()
        {
            var sb = new StringBuilder();
            while (true)
            {
                int b = stream.ReadByte();
                if (b < 0) throw new InvalidDataException($"{name}: PLY header ends before end_header");
                if (b == '\n') break;
                if (sb.Length > 4096) throw new InvalidDataException($"{name}: PLY header line too long (not a PLY file?)");
                sb.Append((char)b);
            }
            return sb.ToString().TrimEnd('\r');
        }

        if (ReadLine().Trim() != "ply") throw new InvalidDataException($"{name}: not a PLY file (missing 'ply' magic)");
        string? format = null;
        var elements = new List<Element>();
        while (true)
        {
            string line = ReadLine().Trim();
            var tok = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (tok.Length == 0 || tok[0] is "comment" or "obj_info") continue;
            if (tok[0] == "end_header") break;
            switch (tok[0])
            {
                case "format":
                    if (tok.Length < 2) throw new InvalidDataException($"{name}: bad PLY format line '{line}'");
                    format = tok[1];
                    if (format is not ("ascii" or "binary_little_endian"))
                        throw new InvalidDataException($"{name}: PLY format '{format}' is not supported (ascii and binary_little_endian are)");
                    break;
                case "element":
                    if (tok.Length != 3 || !long.TryParse(tok[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out long count) || count < 0)
                        throw new InvalidDataException($"{name}: bad PLY element line '{line}'");
                    elements.Add(new Element(tok[1], count, []));
                    break;
                case "property":
                    if (elements.Count == 0) throw new InvalidDataException($"{name}: PLY property before any element");
                    if (tok.Length == 5 && tok[1] == "list")
                        elements[^1].Properties.Add(new Property(tok[4], ParseScalar(tok[3], name), ParseScalar(tok[2], name)));
                    else if (tok.Length == 3)
                        elements[^1].Properties.Add(new Property(tok[2], ParseScalar(tok[1], name), null));
                    else throw new InvalidDataException($"{name}: bad PLY property line '{line}'");
                    break;
                default:
                    throw new InvalidDataException($"{name}: unexpected PLY header line '{line}'");
            }
        }
        if (format is null) throw new InvalidDataException($"{name}: PLY header has no format line");

        using IValueSource source = format == "ascii" ? new AsciiSource(stream, name) : new BinarySource(stream, name);
        float[]? vertices = null;
        byte[]? colors = null;
        int[]? faces = null;
        foreach (var el in elements)
        {
            if (el.Name == "vertex") (vertices, colors) = ReadVertices(source, el, name);
            else if (el.Name == "face") faces = ReadFaces(source, el, name);
            else SkipElement(source, el);
        }
        if (vertices is null) throw new InvalidDataException($"{name}: PLY has no vertex element");
        faces ??= [];
        int n = vertices.Length / 3;
        foreach (int f in faces)
            if ((uint)f >= (uint)n) throw new InvalidDataException($"{name}: face index {f} out of range [0, {n})");
        return new Mesh(vertices, faces, colors);
    }

    static (float[] Vertices, byte[]? Colors) ReadVertices(IValueSource src, Element el, string name)
    {
        int ix = el.Properties.FindIndex(p => p.Name == "x");
        int iy = el.Properties.FindIndex(p => p.Name == "y");
        int iz = el.Properties.FindIndex(p => p.Name == "z");
        if (ix < 0 || iy < 0 || iz < 0) throw new InvalidDataException($"{name}: PLY vertex element lacks x, y or z");
        int ir = el.Properties.FindIndex(p => p.Name is "red" or "r");
        int ig = el.Properties.FindIndex(p => p.Name is "green" or "g");
        int ib = el.Properties.FindIndex(p => p.Name is "blue" or "b");
        bool hasColor = ir >= 0 && ig >= 0 && ib >= 0;
        if (el.Count > int.MaxValue / 3) throw new InvalidDataException($"{name}: too many vertices ({el.Count})");
        int count = (int)el.Count;
        var v = new float[count * 3];
        byte[]? c = hasColor ? new byte[count * 3] : null;
        var row = new double[el.Properties.Count];
        for (int i = 0; i < count; i++)
        {
            for (int p = 0; p < row.Length; p++)
            {
                var prop = el.Properties[p];
                if (prop.CountType is { } ct)
                {
                    // Per-vertex lists are unusual; skip them.
                    long len = (long)src.Next(ct);
                    for (long k = 0; k < len; k++) src.Next(prop.Type);
                    row[p] = 0;
                }
                else row[p] = src.Next(prop.Type);
            }
            v[i * 3] = (float)row[ix]; v[i * 3 + 1] = (float)row[iy]; v[i * 3 + 2] = (float)row[iz];
            if (c is not null)
            {
                c[i * 3] = ToColorByte(row[ir], el.Properties[ir].Type);
                c[i * 3 + 1] = ToColorByte(row[ig], el.Properties[ig].Type);
                c[i * 3 + 2] = ToColorByte(row[ib], el.Properties[ib].Type);
            }
        }
        return (v, c);
    }

    static byte ToColorByte(double value, Scalar type) =>
        type is Scalar.Float32 or Scalar.Float64
            ? (byte)Math.Clamp(Math.Round(value * 255.0), 0, 255)
            : (byte)Math.Clamp(value, 0, 255);

    static int[] ReadFaces(IValueSource src, Element el, string name)
    {
        int li = el.Properties.FindIndex(p => p.CountType is not null && p.Name is "vertex_indices" or "vertex_index");
        if (li < 0) throw new InvalidDataException($"{name}: PLY face element has no vertex_indices list");
        var faces = new List<int>(checked((int)Math.Min(el.Count * 3, int.MaxValue)));
        var poly = new List<int>(8);
        for (long i = 0; i < el.Count; i++)
        {
            for (int p = 0; p < el.Properties.Count; p++)
            {
                var prop = el.Properties[p];
                if (prop.CountType is not { } ct) { src.Next(prop.Type); continue; }
                double lenD = src.Next(ct);
                if (lenD < 0 || lenD > 1_000_000) throw new InvalidDataException($"{name}: bad list length {lenD} in face {i}");
                int len = (int)lenD;
                if (p != li) { for (int k = 0; k < len; k++) src.Next(prop.Type); continue; }
                poly.Clear();
                for (int k = 0; k < len; k++) poly.Add(checked((int)src.Next(prop.Type)));
                if (len < 3) continue;   // points and lines carry no surface
                for (int k = 1; k + 1 < len; k++) { faces.Add(poly[0]); faces.Add(poly[k]); faces.Add(poly[k + 1]); }
            }
        }
        return faces.ToArray();
    }

    static void SkipElement(IValueSource src, Element el)
    {
        for (long i = 0; i < el.Count; i++)
            foreach (var prop in el.Properties)
            {
                if (prop.CountType is { } ct)
                {
                    long len = (long)src.Next(ct);
                    for (long k = 0; k < len; k++) src.Next(prop.Type);
                }
                else src.Next(prop.Type);
            }
    }

    // Disposing a source leaves the caller's stream open: the caller owns it.
    interface IValueSource : IDisposable
    {
        double Next(Scalar type);
    }

    sealed class BinarySource(Stream stream, string name) : IValueSource
    {
        readonly BufferedStream _s = new(new NonClosingStream(stream), 1 << 16);

        public void Dispose() => _s.Dispose();
        readonly byte[] _buf = new byte[8];

        public double Next(Scalar type)
        {
            int size = SizeOf(type);
            int read = 0;
            while (read < size)
            {
                int r = _s.Read(_buf, read, size - read);
                if (r <= 0) throw new InvalidDataException($"{name}: PLY body is truncated");
                read += r;
            }
            var span = _buf.AsSpan(0, size);
            return type switch
            {
                Scalar.Int8 => (sbyte)_buf[0],
                Scalar.UInt8 => _buf[0],
                Scalar.Int16 => BinaryPrimitives.ReadInt16LittleEndian(span),
                Scalar.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(span),
                Scalar.Int32 => BinaryPrimitives.ReadInt32LittleEndian(span),
                Scalar.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(span),
                Scalar.Float32 => BinaryPrimitives.ReadSingleLittleEndian(span),
                _ => BinaryPrimitives.ReadDoubleLittleEndian(span),
            };
        }
    }

    sealed class AsciiSource(Stream stream, string name) : IValueSource
    {
        readonly StreamReader _reader = new(stream, Encoding.ASCII, false, 1 << 16, leaveOpen: true);
        readonly StringBuilder _token = new();

        public void Dispose() => _reader.Dispose();

        public double Next(Scalar type)
        {
            _token.Clear();
            int c;
            while ((c = _reader.Read()) >= 0 && char.IsWhiteSpace((char)c)) { }
            if (c < 0) throw new InvalidDataException($"{name}: PLY body is truncated");
            do _token.Append((char)c);
            while ((c = _reader.Read()) >= 0 && !char.IsWhiteSpace((char)c));
            string t = _token.ToString();
            if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
                throw new InvalidDataException($"{name}: bad PLY number '{t}'");
            return type is Scalar.Float32 or Scalar.Float64 ? v : Math.Truncate(v);
        }
    }

    /// <summary>A view of a stream whose Dispose leaves the stream open (BufferedStream has no leaveOpen).</summary>
    sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
