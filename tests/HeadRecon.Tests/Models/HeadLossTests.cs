using HeadRecon.Config;
using HeadRecon.Models;
using HeadRecon.Training;
using Xunit;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Models;

/// <summary>The loss classes of the conf mean what they say: loss.rgb_loss = torch.nn.MSELoss trains with the squared
/// residual, torch.nn.L1Loss with the absolute one, and any other name fails at load naming the key.</summary>
[Collection("TinyHeads")]
public class HeadLossTests(TinyHeadsFixture heads)
{
    [Theory]
    [InlineData("torch.nn.L1Loss", (0.5 + 1 + 2 + 0 + 0.25 + 0.25) / 6)]
    [InlineData("torch.nn.MSELoss", (0.25 + 1 + 4 + 0 + 0.0625 + 0.0625) / 6)]
    public void RgbLossClassChoosesThePenalty(string lossClass, double expected)
    {
        var loss = new HeadLoss(new LossOptions { RgbLoss = lossClass });
        var predicted = tensor(new float[] { 0.5f, 0, 2, 1, 0.75f, 0.25f }, [2, 3]);
        var groundTruth = tensor(new float[] { 0, 1, 0, 1, 1, 0 }, [1, 2, 3]);
        var term = loss.Rgb(predicted, groundTruth);
        Assert.Equal("rgb_loss", term.Name);
        Assert.Equal(expected, term.Value.item<float>(), 6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TrainingWithMseLossUsesTheSquaredResidual(bool stage2)
    {
        using var dir = new TempDir();
        string[] mse = ["loss.rgb_loss=torch.nn.MSELoss"];
        var conf = stage2 ? heads.Stage2(2, mse) : heads.Stage1(2, mse);
        var data = DatasetTrainingData.Open(conf);
        using var t = Trainer.Start(conf, data, dir["run"], CPU);
        Assert.Equal(LossPenalty.Mse, t.Loss.Options.RgbPenalty);
        manual_seed(11);
        t.Model.train();
        var output = t.Model.Render(TrainingStepTests.SmallBatch(32, identity: 0));
        var groundTruth = rand(1, 32, 3);
        var terms = t.Model.Loss(output, groundTruth, t.Loss);
        var residual = output.RgbValues - groundTruth.reshape(-1, 3);
        Assert.Equal(residual.pow(2).mean().item<float>(), terms["rgb_loss"].item<float>(), 6);
        Assert.NotEqual(residual.abs().mean().item<float>(), terms["rgb_loss"].item<float>(), 3);
        // The photometric term enters the total unweighted.
        var rest = terms.Terms.Skip(1).Aggregate(zeros(1).squeeze(), (s, term) => s + term.Weight * term.Value);
        Assert.Equal((residual.pow(2).mean() + rest).item<float>(), terms.Total.item<float>(), 5);
    }

    [Theory]
    [InlineData("rgb_loss")]
    [InlineData("disp_loss")]
    [InlineData("latent_code_loss")]
    public void UnsupportedLossClassFailsAtLoadNamingTheKey(string key)
    {
        var e = Assert.Throws<ConfException>(() => heads.Stage1(2, $"loss.{key}=torch.nn.Foo"));
        Assert.Equal("loss." + key, e.Key);
        Assert.Contains("torch.nn.Foo", e.Message);
    }
}
