using System.IO.Compression;
using System.Text;

namespace HeadRecon.Tests.Data;

/// <summary>
/// Writes .npz members the way numpy.savez does for float64 / int64 arrays (Npy.WriteNpz only writes float32, and
/// cameras.npz holds float64). Header layout of numpy's format 1.0: magic "\x93NUMPY", version 1.0, uint16 header
/// length, then the dict repr padded with spaces and a final '\n' so the whole preamble is a multiple of 64 bytes.
/// </summary>
internal static class NpzFloat64Writer
{
    public static byte[] Header(string descr, long[] shape)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : $"({string.Join(", ", shape)})";
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        int unpadded = 10 + dict.Length + 1;
        string header = dict + new string(' ', (64 - unpadded % 64) % 64) + "\n";
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 };
        bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        return bytes.ToArray();
    }

    public static void Write(string path, IEnumerable<(string Key, double[]? Floats, long[]? Ints, long[] Shape)> arrays)
    {
        using var fs = File.Create(path);
        using var zip = new ZipArchive(fs, ZipArchiveMode.Create);
        foreach (var (key, floats, ints, shape) in arrays)
        {
            var entry = zip.CreateEntry(key + ".npy", CompressionLevel.NoCompression);
            entry.LastWriteTime = new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero); // numpy's zip has fixed dates too; keeps bytes stable
            using var s = entry.Open();
            s.Write(Header(floats is not null ? "<f8" : "<i8", shape));
            if (floats is not null) foreach (var v in floats) s.Write(BitConverter.GetBytes(v));
            else foreach (var v in ints!) s.Write(BitConverter.GetBytes(v));
        }
    }
}
