using HeadRecon.Notebooks;
using HeadRecon.Training;
using Xunit;

namespace HeadRecon.Tests.Notebooks;

public sealed class NotebookWorkspaceTests
{
    [Fact]
    public void TheCpuProfileStartsFromTheShippedTemplate()
    {
        using var tmp = new TempDir();
        // The cpu profile at a size a test affords: the same template and family, fewer and smaller pictures.
        var ws = NotebookWorkspace.Open(NotebookProfile.Cpu with { Views = 30, Resolution = 16, GtResolution = 24 }, "cpu", tmp.Path);
        var t = ws.Template!;
        Assert.Equal(Path.GetFullPath(Path.Combine(NotebookTests.RepoRoot(), PretrainedTemplate.DefaultPath)), Path.GetFullPath(t.Root));

        // Stage 1 is the template itself, trained on the family's pre-training identities; the unseen person is held out.
        // As a run folder of the workspace: the template's checkpoint, its conf pointed at the workspace's family.
        string run = ws.Stage1Run();
        Assert.Equal(ws.RunDir("stage1"), run);
        Assert.Equal(PretrainedTemplate.Sha256(t.Checkpoint), PretrainedTemplate.Sha256(Path.Combine(run, "checkpoints", "latest.ckpt")));
        Assert.Equal(ws.DataDir, NotebookWorkspace.RunConf(run).Dataset.DataDir);
        Assert.True(ws.IsCached("stage1", ws.Stage1Conf()));
        Assert.Equal(run, ws.Stage1Run());   // reused
        Assert.Equal(t.Training, ws.TrainIdentities);
        Assert.Equal(t.HeldOut[0], ws.UnseenIdentity);
        Assert.Equal(t.Conf.Train.MaxIterations, ws.Stage1Conf().Train.MaxIterations);

        // Stage 2 of a pre-training person keeps that person's code (no appended row) and the template's geometry.
        var st2 = ws.Stage2Conf(t.Training[0], t.Root);
        Assert.False(st2.Dataset.FineTuneFlag);
        Assert.Equal(t.Training[0], st2.Dataset.ScanId);
        t.RequireCompatible(st2, "stage 2");

        // An unseen person: the quickstart's fine-tune from the template, or the same networks from scratch.
        var fromTemplate = ws.UnseenConf(ws.UnseenIdentity, t.Root);
        var fromScratch = ws.UnseenConf(ws.UnseenIdentity, null);
        Assert.True(fromTemplate.Dataset.FineTuneFlag);
        Assert.Equal(3, fromTemplate.Dataset.FineTuneView);
        Assert.Equal(t.Root, fromTemplate.Train.InitCheckpoint);
        Assert.Equal("", fromScratch.Train.InitCheckpoint);
        Assert.Contains("template", fromTemplate.Train.Freeze);

        // More views for the same person (06's rows), and stage 2 on top of that person's stage 1 (the quickstart's unseen_st2).
        Assert.Equal(t.HeldOut, ws.HeldOutIdentities);
        var five = ws.UnseenConf(t.HeldOut[1], t.Root, NotebookWorkspace.UnseenViews(5));
        Assert.Equal((5, "5_view.json", t.HeldOut[1]), (five.Dataset.FineTuneView, five.Dataset.InitViewPath, five.Dataset.ScanId));
        Assert.Equal(5, DatasetTrainingData.Open(five with { Dataset = five.Dataset with { ImgRes = [16, 16] } }).ViewCount); // the test's small images
        var st2Unseen = ws.UnseenStage2Conf(t.HeldOut[1], "/runs/st1", NotebookWorkspace.UnseenViews(5));
        Assert.Equal(("/runs/st1", true, 5), (st2Unseen.Train.InitCheckpoint, st2Unseen.Dataset.FineTuneFlag, st2Unseen.Dataset.FineTuneView));
        Assert.Contains("template", st2Unseen.Train.Freeze);
        Assert.Equal(ws.DataDir, st2Unseen.Dataset.DataDir);
    }

    [Fact]
    public void AProfileWithoutATemplateTrainsItsOwnStageOne()
    {
        Assert.Null(NotebookProfile.Smoke.Template);
        Assert.Equal("cpu-quick", NotebookProfile.FromEnvironment("cpu-quick").Name);
        var e = Assert.Throws<ArgumentException>(() => NotebookProfile.FromEnvironment("gpu"));
        Assert.Contains("HEADNB_PROFILE", e.Message);
    }
}
