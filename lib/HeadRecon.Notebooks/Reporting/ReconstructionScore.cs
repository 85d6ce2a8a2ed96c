using HeadRecon.Evaluation;
using HeadRecon.Meshing;

namespace HeadRecon.Reporting;

/// <summary>The geometry of one reconstruction of the person: whole head and face region against its own ground truth.</summary>
public sealed record ReconstructionScore(string Name, MeshComparison Head, MeshComparison? Face, Mesh Mesh);
