using HeadRecon.Config;

namespace HeadRecon.Models;

/// <summary>Builds the stage a configuration asks for: train.model_class (the original's network) with model.st1_flag
/// choosing stage 1 or stage 2, as in the original's confs. The one place that knows which stages exist.</summary>
public static class ModelFactory
{
    /// <summary>The model of a run: its stage, and the PE window schedule of train.pe_alpha_iters.</summary>
    public static HeadModel Create(HeadConf conf) => Create(conf.Train.ModelClass, conf.Model, EncodingWindow.From(conf));

    /// <summary>The stage model.st1_flag names, with the original's fixed PE window (model.pe_alpha).</summary>
    public static HeadModel Create(ModelOptions o) => Create(ClassNames.VolSdfNetwork, o, EncodingWindow.Fixed(o.PeAlpha));

    static HeadModel Create(string modelClass, ModelOptions o, EncodingWindow window) => modelClass switch
    {
        ClassNames.VolSdfNetwork => o.FirstStage ? new Stage1Model(o, window) : new Stage2Model(o, window),
        _ => throw new ConfException($"'{modelClass}' is not supported (only \"{ClassNames.VolSdfNetwork}\")", key: "train.model_class"),
    };
}
