namespace HeadRecon.Reporting;

/// <summary>Iterations and seconds of one training stage, for the report.</summary>
public sealed record StageTiming(int Iterations, double Seconds);
