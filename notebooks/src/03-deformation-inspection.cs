#:project ../../lib/HeadRecon.Notebooks/HeadRecon.Notebooks.csproj
#:property PublishAot=false
// Notebook 03-deformation-inspection: the source of notebooks/03-deformation-inspection.ipynb (`headrecon notebooks build`) and a program of its own
// (`notebooks/run 03-deformation-inspection` writes notebooks/pages/03-deformation-inspection.html). Cells start at // %% [markdown] and // %%.

// %% [markdown]
// # 03 · Deformation inspection
// What the identity-conditioned deformation field learned: Δx as cones, its magnitude on slices, the template's mesh
// against each identity's mesh, correspondence colours (each vertex coloured by where it lands in the template,
// x + Δx), and meshes of interpolated identity codes.

// %% [markdown]
// ## In the paper
// Identity lives in the deformation: $\Delta\mathbf{x} = D(\gamma_6(\mathbf{x}) \oplus \mathbf{z}_s)$ maps each person's
// space onto the shared template, so a point $\mathbf{x}$ on person A and the point on person B that lands on the same
// template point $\mathbf{x} + \Delta\mathbf{x}$ correspond. Two terms keep the deformation small and smooth,
// $\mathcal{L}_{def} = \lVert\Delta\mathbf{x}\rVert$ and $\mathcal{L}_{defgrad} = \lVert \nabla_{\mathbf{x}} \textstyle\sum_k \Delta x_k \rVert$,
// and the codes are held near zero by $\mathcal{L}_{z_s} = \lVert\mathbf{z}_s\rVert^2$. Interpolating
// $\mathbf{z}_s = (1-t)\,\mathbf{z}_A + t\,\mathbf{z}_B$ moves one head into the other through the template's space
// (method spec §1.2–1.3, §1.9).

// %%
using HeadRecon.Meshing;
using HeadRecon.Notebooks;
using HeadRecon.Visualization;
using static HeadRecon.Notebooks.NotebookOutput;
// Profile: smoke (seconds, tests/CI), cpu (minutes on a laptop, from the shipped template), cpu-quick (small networks trained here) or paper (the paper's configs, CUDA).
// Chosen from outside with HEADNB_PROFILE (smoke when unset); HEADNB_DATA = PR-layout data folder (default: synthetic heads),
// HEADNB_CACHE = where runs are cached (default notebooks/.cache), HEADNB_DEVICE = auto|cpu|cuda.
var ws = NotebookWorkspace.Open(Environment.GetEnvironmentVariable("HEADNB_PROFILE") ?? "smoke");
Show(ws.ToString());

// %%
var conf = ws.Stage1Conf();
var run = ws.Stage1Run();   // notebook 02's run (the shipped template with the cpu profile; trained here if missing otherwise)
var model = ws.LoadModel(run);
var ids = ws.TrainIdentities.Take(3).ToList();   // the first three (the template has 16): rows 0–2 of the code table
double extent = conf.Plot.GridBoundary[1];
int res = ws.Profile.MeshResolution;
Show($"{run}: {ids.Count} identities, meshes at {res}³ over ±{extent}");

// %% [markdown]
// ## Δx as cones
// Cones start at grid points inside the box and point along Δx, the longest 0.8 grid spacings long (lengths compare
// within the plot; the colour gives |Δx| in model units); the template surface is drawn translucent.

// %%
var template = ModelMesher.Extract(model, 0, -extent, extent, res, MeshSource.Template);
var (points, offsets) = NotebookTools.DeformationGrid(model, 0, 7, extent);
Show(Plots.Scene($"Δx of identity {ids[0]} over the template", [Plots.ConeTrace(points, offsets, "Δx"), Plots.MeshTrace(template, "template", opacity: 0.3)]));

// %%
Show(NotebookTools.DeformationSlicesChart(model, ids, ws.Profile.SliceResolution, extent));

// %% [markdown]
// ## Template vs identities

// %%
var meshes = ids.Select((id, i) => ModelMesher.Extract(model, i, -extent, extent, res)).ToList();
Show(NotebookTools.MeshPanels("template and each identity's deformed template", [("template", template), .. ids.Select((id, i) => (id, meshes[i]))]));

// %% [markdown]
// ## Correspondence colours
// Colour = the template coordinate x + Δx of each vertex: the same colour on two identities marks corresponding points.

// %%
Show(Plots.MeshGrid("correspondence (RGB = template coordinate)", ids.Select((id, i) => (id, meshes[i], (byte[]?)NotebookTools.CorrespondenceColors(model, i, meshes[i], extent), default(float[]))).ToList()));

// %% [markdown]
// ## Interpolating identity codes
// Meshes of (1 − t)·code(a) + t·code(b): the shape space between two people.

// %%
var steps = new[] { 0.0, 0.25, 0.5, 0.75, 1.0 };
Show(NotebookTools.MeshPanels($"{ids[0]} → {ids[1]}", steps.Select(t => ($"t = {t}", NotebookTools.InterpolatedMesh(model, 0, 1, t, extent, res)))));

// %% [markdown]
// The same path on the profile (the YZ plane through the origin), one slider step per t: the surface (solid) moves from
// the first identity's (dashed) to the second's (dotted).

// %%
Show(NotebookTools.InterpolationSlider(model, 0, 1, ids[0], ids[1], SlicePlane.YZ, ws.Profile.SliceResolution / 2, extent));

// %% [markdown]
// ## What these outputs show
// Measured on the template's surface: how far each identity moves it, how much of that is one shift shared by every
// point, and how much the identities' motions differ from each other; then the meshes' distances (Chamfer, in dataset units).

// %%
var spread = NotebookTools.Spread(model, ids.Count, template);
var toTemplate = meshes.Select(m => NotebookTools.TryCompare(m, template, 1.0, 20_000, [0.01])?.Chamfer).ToList();
var between = NotebookTools.TryCompare(meshes[0], meshes[1], 1.0, 20_000, [0.01])?.Chamfer;
Show(spread.Points == 0 ? "The template has no surface yet (a run this short has none): there is nothing to measure on it." : System.FormattableString.Invariant($"Δx {spread}. ") + (spread.Ratio >= 0.5
    ? "Each identity moves the template its own way, not by one common shift."
    : "The identities mostly share one motion: the deformation has learned little that is specific to each person.") +
    System.FormattableString.Invariant($" The deformed templates are {string.Join(", ", toTemplate.Select(c => c is double v ? v.ToString("G3", System.Globalization.CultureInfo.InvariantCulture) : "–"))} from the template; {ids[0]} and {ids[1]} are {between:G3} apart."));
