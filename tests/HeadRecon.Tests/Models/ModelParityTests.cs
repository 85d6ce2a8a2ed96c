using Xunit;

namespace HeadRecon.Tests.Models;

/// <summary>Every network, the rays, the sampler and the full forward pass against the original's numbers: the model
/// checks of the parity catalog (HeadRecon.Parity/Checks/ModelChecks.cs), on the CPU.</summary>
[Trait("Category", "Parity")]
public class ModelParityTests
{
    public static TheoryData<string> Cases => TestSupport.ParityCases("model/");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheOriginal(string check) => TestSupport.RunParity(check);
}
