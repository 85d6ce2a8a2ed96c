using HeadRecon.Training;
using Xunit;

namespace HeadRecon.Tests.Training;

public class RunLockTests
{
    [Fact]
    public void OneWriterAtATimeAndACleanReleaseLeavesNoHolder()
    {
        using var dir = new TempDir();
        string run = dir["run"];
        using (var first = RunLock.Acquire(run))
        {
            Assert.Null(first.PreviousHolder);
            var ex = Assert.Throws<RunLockedException>(() => RunLock.Acquire(run));
            Assert.Equal(Path.GetFullPath(run), ex.RunDir);
            Assert.StartsWith($"{Path.GetFullPath(run)}: another process is writing to this run (pid {Environment.ProcessId} on host {Environment.MachineName} since ", ex.Message);
            Assert.DoesNotContain("\n", ex.Message);
        }
        using var second = RunLock.Acquire(run);
        Assert.Null(second.PreviousHolder);
    }

    [Fact]
    public void AHolderThatDiedIsReportedAndReplaced()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["run"]);
        File.WriteAllText(Path.Combine(dir["run"], RunLock.FileName), "pid 31337 on host gone since 2026-01-01 00:00:00 UTC: train --conf a.conf\n");
        using var l = RunLock.Acquire(dir["run"]);
        Assert.Equal("pid 31337 on host gone since 2026-01-01 00:00:00 UTC", l.PreviousHolder);
        // cat, not File.ReadAllText: .NET takes a shared flock to read, which the held lock refuses.
        Assert.StartsWith($"pid {Environment.ProcessId} on host ", FaultInjection.Run("cat", l.Path).Output);
    }

    [Fact]
    public void RunFolderDeleteWaitsForNoWriter()
    {
        using var dir = new TempDir();
        using (RunLock.Acquire(dir["run"]))
            Assert.Throws<RunLockedException>(() => RunFolder.Delete(dir["run"]));
        RunFolder.Delete(dir["run"]);
        Assert.False(Directory.Exists(dir["run"]));
    }
}
