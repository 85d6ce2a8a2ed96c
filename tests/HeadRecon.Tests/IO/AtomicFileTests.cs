using System.Diagnostics;
using HeadRecon.IO;
using Xunit;

namespace HeadRecon.Tests.IO;

public class AtomicFileTests
{
    static int DeadPid()
    {
        using var p = Process.Start("true")!;
        p.WaitForExit();
        return p.Id;
    }

    [Fact]
    public void AFailingWriterLeavesTheOldFileAndNoTemp()
    {
        using var dir = new TempDir();
        string path = dir["a.txt"];
        AtomicFile.WriteAllText(path, "old");
        var ex = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("half"u8);
            throw new InvalidOperationException("writer failed");
        }));
        Assert.Equal("writer failed", ex.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void ThePreviousFileIsKeptWhenAsked()
    {
        using var dir = new TempDir();
        AtomicFile.WriteAllText(dir["c"], "1");
        AtomicFile.Write(dir["c"], s => s.Write("2"u8), keepPreviousAs: dir["c.prev"]);
        AtomicFile.Write(dir["c"], s => s.Write("3"u8), keepPreviousAs: dir["c.prev"]);
        Assert.Equal("3", File.ReadAllText(dir["c"]));
        Assert.Equal("2", File.ReadAllText(dir["c.prev"]));
    }

    [Fact]
    public void TempFilesOfDeadWritersAreRemovedByTheNextWrite()
    {
        using var dir = new TempDir();
        string path = Path.GetFullPath(dir["mesh.ply"]);
        string orphan = AtomicFile.TempPathFor(path, DeadPid());
        string live = AtomicFile.TempPathFor(path, Environment.ProcessId);
        string otherHost = Path.Combine(dir.Path, ".mesh.ply.some-other-node.1.0000abcd.tmp");
        foreach (var f in new[] { orphan, live, otherHost }) File.WriteAllText(f, "partial");
        AtomicFile.WriteAllText(path, "whole");
        Assert.False(File.Exists(orphan));
        Assert.True(File.Exists(live));      // a write in progress in this process
        Assert.True(File.Exists(otherHost)); // its writer may still run on that machine
        Assert.Equal("whole", File.ReadAllText(path));
    }

    [Fact]
    public void AFullDiskIsOneIOExceptionNamingTheTargetAndLeavesNoTemp()
    {
        using var dir = new TempDir();
        using var disk = FaultInjection.Tmpfs(dir["disk"], "64k");
        string path = Path.Combine(dir["disk"], "big.bin");
        AtomicFile.WriteAllBytes(path, new byte[16 << 10]);
        var ex = Assert.Throws<IOException>(() => AtomicFile.WriteAllBytes(path, new byte[256 << 10]));
        Assert.StartsWith($"{path}: cannot write (No space left on device)", ex.Message);
        Assert.Equal([path], Directory.GetFiles(dir["disk"]));
        Assert.Equal(16 << 10, new FileInfo(path).Length);
    }
}
