using System.IO.Compression;
using HeadRecon.Training;
using Xunit;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Training;

/// <summary>Checkpoints are verified on every read; resume falls back to the previous one and says so.</summary>
[Collection("TinyHeads")]
public class CheckpointTests(TinyHeadsFixture heads)
{
    const string Weight = "param/deform_temp_geo_network.implicit_net.lin1.weight_v.npy";

    /// <summary>A run trained to 8 iterations: latest.ckpt at 8, previous.ckpt at 4.</summary>
    string TrainedRun(TempDir dir, string name = "run")
    {
        var conf = heads.Stage1(8);
        using var t = Trainer.Start(conf, DatasetTrainingData.Open(conf), dir[name], CPU);
        t.Train();
        return dir[name];
    }

    static string Latest(string run) => Path.Combine(run, "checkpoints", "latest.ckpt");
    static string Previous(string run) => Path.Combine(run, "checkpoints", "previous.ckpt");

    /// <summary>Flips 8 bytes inside a member's stored data (past the .npy header), as a bad disk sector would.</summary>
    static void FlipBytesIn(string ckpt, string member)
    {
        byte[] data = Checkpoint.Read(ckpt).Member(member);
        byte[] file = File.ReadAllBytes(ckpt);
        int at = file.AsSpan().IndexOf(data.AsSpan(data.Length / 2, 32));
        Assert.True(at > 0, $"{member} not found stored in {ckpt}");
        for (int i = 0; i < 8; i++) file[at + i] ^= 0x5A;
        File.WriteAllBytes(ckpt, file);
    }

    static string Fails(string ckpt)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Checkpoint.Read(ckpt));
        Assert.StartsWith(ckpt + ": ", ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
        return ex.Message;
    }

    [Fact]
    public void DamagedCheckpointsFailWithOneErrorNamingTheFile()
    {
        using var dir = new TempDir();
        string run = TrainedRun(dir);
        string good = Latest(run);
        Assert.Equal(8, Checkpoint.Read(good).Meta.Iteration);
        Assert.Equal(64, Checkpoint.Read(good).Meta.ContentSha256!.Length);

        string flipped = dir["flipped.ckpt"];
        File.Copy(good, flipped);
        FlipBytesIn(flipped, Weight);
        Assert.Contains($"member {Weight} fails its CRC check", Fails(flipped));

        string header = dir["header.ckpt"];
        var bytes = File.ReadAllBytes(good);
        bytes[0] = (byte)'X'; // the first local file header's signature
        File.WriteAllBytes(header, bytes);
        Assert.Contains("damaged", Fails(header));

        string truncated = dir["truncated.ckpt"];
        File.WriteAllBytes(truncated, File.ReadAllBytes(good)[..(bytes.Length / 2)]);
        Assert.Contains("damaged or not a checkpoint", Fails(truncated));

        // Rewritten with a valid CRC (a tool or a bug that re-zips): only the content hash can tell.
        string rezipped = dir["rezipped.ckpt"];
        File.Copy(good, rezipped);
        using (var zip = ZipFile.Open(rezipped, ZipArchiveMode.Update))
        {
            var e = zip.GetEntry(Weight)!;
            byte[] member;
            using (var s = e.Open()) { using var ms = new MemoryStream(); s.CopyTo(ms); member = ms.ToArray(); }
            member[^1] ^= 1;
            e.Delete();
            using var w = zip.CreateEntry(Weight).Open();
            w.Write(member);
        }
        Assert.Contains("does not match the SHA-256 in meta.json", Fails(rezipped));
    }

    [Fact]
    public void ResumeFallsBackToThePreviousCheckpointAndEndsWhereAnUninterruptedRunEnds()
    {
        using var dir = new TempDir();
        string reference = TrainedRun(dir, "reference");
        string run = TrainedRun(dir);
        FlipBytesIn(Latest(run), Weight);
        var conf = heads.Stage1(8);
        using (var t = Trainer.Resume(run, DatasetTrainingData.Open(conf), CPU))
        {
            Assert.Equal(4, t.Iteration);
            var note = Assert.Single(t.ResumeNotes, n => n.Contains("previous checkpoint"));
            Assert.StartsWith($"{Latest(run)}: damaged checkpoint", note);
            Assert.Contains($"resuming from the previous checkpoint {Previous(run)} (iteration 4) instead", note);
            Assert.Contains("the damaged file is kept as latest.ckpt.damaged", note);
            Assert.True(File.Exists(Latest(run) + ".damaged"));
            Assert.Contains(t.ResumeNotes, n => n.Contains("4 line(s) after iteration 4 dropped"));
            Assert.Equal([1, 2, 3, 4], CliRunTests.LoggedIterations(run));
            t.Train();
        }
        CliRunTests.AssertSameContent(Latest(reference), Latest(run));
        Assert.Equal(4, Checkpoint.ReadMeta(Previous(run)).Iteration); // not the damaged one
        Assert.Equal(Enumerable.Range(1, 8), CliRunTests.LoggedIterations(run));

        // Both damaged: one error naming the latest, saying the previous is damaged too; nothing is trained.
        FlipBytesIn(Latest(run), Weight);
        FlipBytesIn(Previous(run), Weight);
        var ex = Assert.Throws<InvalidDataException>(() => Trainer.Resume(run, DatasetTrainingData.Open(conf), CPU));
        Assert.StartsWith($"{Latest(run)}: damaged checkpoint", ex.Message);
        Assert.Contains("the previous checkpoint is damaged too", ex.Message);
        Assert.Equal(0, new FileInfo(Path.Combine(run, RunLock.FileName)).Length); // the failed resume released the lock
    }
}
