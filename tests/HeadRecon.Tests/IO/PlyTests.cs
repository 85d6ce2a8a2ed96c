using System.Text;
using HeadRecon.IO;
using HeadRecon.Meshing;
using Xunit;

namespace HeadRecon.Tests.IO;

public sealed class PlyTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "headrecon-ply-" + Guid.NewGuid().ToString("N"));

    public PlyTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void BinaryRoundTripWithoutColours()
    {
        var mesh = TestMeshes.Sphere(20, 0.5);
        string path = Path.Combine(_dir, "sphere.ply");
        Ply.Write(path, mesh);
        var back = Ply.Read(path);
        Assert.Equal(mesh.Vertices, back.Vertices);
        Assert.Equal(mesh.Faces, back.Faces);
        Assert.Null(back.Colors);
        // Only the target file is left behind: the temporary was renamed.
        Assert.Equal(["sphere.ply"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void BinaryRoundTripWithColoursOverwritesAtomically()
    {
        var plain = TestMeshes.Sphere(16, 0.5);
        var colors = new byte[plain.Vertices.Length];
        for (int i = 0; i < colors.Length; i++) colors[i] = (byte)(i * 37);
        var mesh = plain.WithColors(colors);
        string path = Path.Combine(_dir, "sub", "colored.ply");
        Ply.Write(path, plain);
        Ply.Write(path, mesh);
        var back = Ply.Read(path);
        Assert.Equal(mesh.Vertices, back.Vertices);
        Assert.Equal(mesh.Faces, back.Faces);
        Assert.Equal(colors, back.Colors);
    }

    [Fact]
    public void BinaryHeaderIsTheDocumentedLayout()
    {
        var mesh = new Mesh([0, 0, 0, 1, 0, 0, 0, 1, 0], [0, 1, 2]);
        using var ms = new MemoryStream();
        Ply.Write(ms, mesh);
        var bytes = ms.ToArray();
        string text = Encoding.ASCII.GetString(bytes);
        int end = text.IndexOf("end_header\n", StringComparison.Ordinal) + "end_header\n".Length;
        Assert.Contains("format binary_little_endian 1.0\n", text[..end]);
        Assert.Contains("element vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\n", text[..end]);
        Assert.Equal(end + 3 * 12 + 13, bytes.Length);
    }

    const string AsciiFixture = """
        ply
        format ascii 1.0
        comment a unit square as one quad plus a triangle, double coordinates and float colours
        element vertex 5
        property double x
        property double y
        property double z
        property float red
        property float green
        property float blue
        element face 2
        property list uchar uint vertex_indices
        element edge 1
        property int vertex1
        property int vertex2
        end_header
        0 0 0 1 0 0
        1 0 0 0 1 0
        1 1 0 0 0 1
        0 1 0 0.5 0.5 0.5
        0.5 0.5 1.5 1 1 1
        4 0 1 2 3
        3 0 1 4
        0 1
        """;

    [Fact]
    public void ReadsAsciiFixtureWithQuadsDoublesAndFloatColours()
    {
        string path = Path.Combine(_dir, "fixture.ply");
        File.WriteAllText(path, AsciiFixture.Replace("\r\n", "\n") + "\n");
        var mesh = Ply.Read(path);
        Assert.Equal(5, mesh.VertexCount);
        Assert.Equal([0f, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0.5f, 0.5f, 1.5f], mesh.Vertices);
        Assert.Equal([0, 1, 2, 0, 2, 3, 0, 1, 4], mesh.Faces);
        Assert.Equal([255, 0, 0, 0, 255, 0, 0, 0, 255, 128, 128, 128, 255, 255, 255], mesh.Colors!);
    }

    [Fact]
    public void ReadsBinaryWithDoubleVerticesAndUcharColours()
    {
        using var ms = new MemoryStream();
        ms.Write(Encoding.ASCII.GetBytes("ply\r\nformat binary_little_endian 1.0\r\nelement vertex 3\r\nproperty double x\r\nproperty double y\r\nproperty double z\r\n" +
            "property uchar red\r\nproperty uchar green\r\nproperty uchar blue\r\nproperty uchar alpha\r\nelement face 1\r\nproperty list uchar int vertex_indices\r\nend_header\r\n"));
        using (var bw = new BinaryWriter(ms, Encoding.ASCII, leaveOpen: true))
        {
            for (int i = 0; i < 3; i++) { bw.Write(i * 1.0); bw.Write(i * 2.0); bw.Write(-i * 0.5); bw.Write((byte)(10 + i)); bw.Write((byte)20); bw.Write((byte)30); bw.Write((byte)255); }
            bw.Write((byte)3); bw.Write(2); bw.Write(1); bw.Write(0);
        }
        ms.Position = 0;
        var mesh = Ply.Read(ms, "mem.ply");
        Assert.Equal([0f, 0, 0, 1, 2, -0.5f, 2, 4, -1], mesh.Vertices);
        Assert.Equal([2, 1, 0], mesh.Faces);
        Assert.Equal([10, 20, 30, 11, 20, 30, 12, 20, 30], mesh.Colors!);
    }

    [Theory]
    [InlineData("not a ply file at all\n")]
    [InlineData("ply\nformat binary_big_endian 1.0\nelement vertex 0\nend_header\n")]
    [InlineData("ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n1 1\n")]
    [InlineData("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n3 0 0 5\n")]
    [InlineData("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 zero 0\n")]
    [InlineData("ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\n")]
    public void MalformedFilesThrowInvalidDataNamingTheFile(string content)
    {
        string path = Path.Combine(_dir, "bad.ply");
        File.WriteAllText(path, content);
        var ex = Assert.Throws<InvalidDataException>(() => Ply.Read(path));
        Assert.Contains("bad.ply", ex.Message);
    }

    [Fact]
    public void TruncatedBinaryThrowsInvalidData()
    {
        using var ms = new MemoryStream();
        Ply.Write(ms, TestMeshes.Sphere(12, 0.5));
        var cut = new MemoryStream(ms.ToArray()[..^7]);
        var ex = Assert.Throws<InvalidDataException>(() => Ply.Read(cut, "cut.ply"));
        Assert.Contains("cut.ply", ex.Message);
    }
}
