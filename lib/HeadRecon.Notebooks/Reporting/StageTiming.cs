namespace HeadRecon.Reporting;

/// <summary>Iterations reached by one training stage and the wall seconds spent training them in this invocation (0 when reused), for the report.</summary>
public sealed record StageTiming(int Iterations, double TrainSeconds);
