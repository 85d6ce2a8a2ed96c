using Xunit;

namespace HeadRecon.Tests.Fields;

/// <summary>The encoding checks of the parity catalog (HeadRecon.Parity/Checks/FieldChecks.cs), on the CPU.</summary>
[Trait("Category", "Parity")]
public class PositionalEncodingParityTests
{
    public static TheoryData<string> Cases => TestSupport.ParityCases("encoding/");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheOriginal(string check) => TestSupport.RunParity(check);
}
