using HeadRecon.Config;

namespace HeadRecon.Models;

/// <summary>Builds the stage the configuration asks for (model.st1_flag, as in the original's confs).</summary>
public static class ModelFactory
{
    public static HeadModel Create(ModelOptions o) => o.St1Flag ? new Stage1Model(o) : new Stage2Model(o);
}
