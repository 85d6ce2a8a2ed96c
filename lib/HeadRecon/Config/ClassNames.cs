namespace HeadRecon.Config;

/// <summary>The elementwise penalty a loss class of the original stands for, as a mean over the batch.</summary>
public enum LossPenalty
{
    /// <summary>torch.nn.L1Loss: mean |r|.</summary>
    L1,
    /// <summary>torch.nn.MSELoss: mean r².</summary>
    Mse,
}

/// <summary>
/// The keys of the original's confs that name a Python class, and the classes each is honoured for. ConfLoader rejects
/// any other name at load; the loss, the model factory and the dataset check read what a name selects from here.
/// </summary>
public static class ClassNames
{
    /// <summary>train.model_class: the original's network; model.st1_flag chooses its stage.</summary>
    public const string VolSdfNetwork = "model.network.VolSDFNetwork";

    /// <summary>train.loss_class: the original's objective (the terms a stage sums are its own, see HeadLoss).</summary>
    public const string VolSdfLoss = "model.loss.VolSDFLoss";

    /// <summary>loss.rgb_loss, loss.disp_loss, loss.disp_grad_loss, loss.latent_code_loss.</summary>
    public static IReadOnlyDictionary<string, LossPenalty> LossClasses { get; } = new Dictionary<string, LossPenalty>(StringComparer.Ordinal)
    {
        ["torch.nn.L1Loss"] = LossPenalty.L1,
        ["torch.nn.MSELoss"] = LossPenalty.Mse,
    };

    /// <summary>train.dataset_class of an IDR-layout scene (dataset.format = idr), e.g. an imported capture.</summary>
    public const string SceneDataset = "datasets.scene_dataset.SceneDataset";

    /// <summary>train.dataset_class: the original's dataset class for each dataset.format ("" = the one the format names).</summary>
    public static IReadOnlyDictionary<string, string> DatasetClasses { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["datasets.face_dataset.FaceDataset"] = "pr",
        ["datasets.facescape_dataset.FaceScapeDataset"] = "facescape",
        [SceneDataset] = "idr",
    };

    /// <summary>The penalty a loss class names; an unknown name fails naming <paramref name="key"/>.</summary>
    public static LossPenalty Penalty(string lossClass, string key) => LossClasses.TryGetValue(lossClass, out var p) ? p
        : throw new ConfException($"'{lossClass}' is not a supported loss class (supported: {string.Join(", ", LossClasses.Keys)})", key: key);
}
