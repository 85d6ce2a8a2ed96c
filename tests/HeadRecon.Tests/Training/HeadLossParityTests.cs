using Xunit;

namespace HeadRecon.Tests.Training;

/// <summary>The loss checks of the parity catalog (HeadRecon.Parity/Checks/LossChecks.cs), on the CPU.</summary>
[Trait("Category", "Parity")]
public class HeadLossParityTests
{
    public static TheoryData<string> Cases => TestSupport.ParityCases("loss/");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheOriginal(string check) => TestSupport.RunParity(check);
}
