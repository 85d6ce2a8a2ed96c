using HeadRecon.Config;
using HeadRecon.Data;
using HeadRecon.IO;
using HeadRecon.Meshing;
using HeadRecon.Models;
using static TorchSharp.torch;

namespace HeadRecon.Training;

/// <summary>A finished (or interrupted) run loaded for inspection: its configuration, dataset and model at the latest checkpoint.</summary>
public sealed class TrainedRun : IDisposable
{
    public RunFolder Folder { get; }
    public HeadConf Conf { get; }
    public HeadModel Model { get; }
    public CheckpointMeta Meta { get; }
    public HeadDataset Dataset { get; }

    TrainedRun(RunFolder folder, HeadConf conf, HeadModel model, CheckpointMeta meta, HeadDataset dataset)
    {
        Folder = folder; Conf = conf; Model = model; Meta = meta; Dataset = dataset;
    }

    /// <summary>
    /// The one way to load a run (CLI, notebooks, evaluation, benchmarks): its saved conf, its dataset, and the model at
    /// the latest checkpoint, verified, in eval mode on <paramref name="device"/>, with the
    /// model's schedules (PE window, hash-grid levels, occupancy grids) as they stood at the checkpoint, so a run stopped
    /// mid-schedule renders as it trained.
    /// </summary>
    public static TrainedRun Load(string runDir, Device? device = null)
    {
        var (folder, conf, model, meta) = LoadModel(runDir, device);
        // The run's own copy of the alignment it trained with (headrecon train writes it) wins over the conf's path.
        string alignment = Path.Combine(folder.Root, AlignmentFile.FileName);
        if (File.Exists(alignment)) conf = conf with { Dataset = conf.Dataset with { Alignment = alignment } };
        try
        {
            var dataset = DatasetLoader.Load(conf.Dataset, conf.Train.Seed);
            // The occupancy grids' rebuild period counts the identities trained one per iteration.
            model.UpdateToStep(meta.Iteration, dataset.NumIdentities);
            return new TrainedRun(folder, conf, model, meta, dataset);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>A run's configuration and model at its latest checkpoint (in eval mode, schedules as at the checkpoint,
    /// occupancy grids scheduled for one identity), without loading its dataset: e.g. a template to align or render elsewhere.</summary>
    public static (RunFolder Folder, HeadConf Conf, HeadModel Model, CheckpointMeta Meta) LoadModel(string runDir, Device? device = null)
    {
        var folder = RunFolder.Open(runDir);
        var conf = folder.LoadConf();
        var ckpt = Checkpoint.Read(Checkpoint.Resolve(runDir));
        var model = ModelFactory.Create(conf);
        try
        {
            ParameterLoader.Load(model, ckpt.Parameters(), Checkpoint.ModelPrefix, strict: true, source: ckpt.Path);
            model.ToDevice(device ?? CPU);
            model.eval();
            model.RestoreScheduleState(ckpt.MemberNames, ckpt.Member, ckpt.Path);
            model.UpdateToStep(ckpt.Meta.Iteration);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return (folder, conf, model, ckpt.Meta);
    }

    /// <summary>The identity a stage-2 run was trained for (scan_id), else the first identity.</summary>
    public int DefaultIdentity
    {
        get
        {
            int i = Dataset.IdentityNames.ToList().IndexOf(Conf.Dataset.ScanId);
            return i >= 0 ? i : Dataset.Views[0].IdentityIndex;
        }
    }

    public int IdentityIndex(string nameOrIndex)
    {
        int i = Dataset.IdentityNames.ToList().IndexOf(nameOrIndex);
        if (i >= 0) return i;
        if (int.TryParse(nameOrIndex, out int k) && k >= 0 && k < Conf.Model.NumIdentity) return k;
        throw new ArgumentException($"--identity: '{nameOrIndex}' is neither an identity of {Conf.Dataset.DataDir} ({string.Join(", ", Dataset.IdentityNames)}) nor an index < {Conf.Model.NumIdentity}");
    }

    /// <summary>Marching cubes over the conf's plot.grid_boundary, vertices scaled back to the dataset's units.</summary>
    public Mesh ExtractMesh(int identity, int? resolution = null, MeshSource source = MeshSource.Final, bool colors = false, bool largestComponent = false)
    {
        var b = Conf.Plot.GridBoundary;
        var mesh = ModelMesher.Extract(Model, identity, b[0], b[1], resolution ?? Conf.Plot.Resolution, source);
        if (largestComponent && mesh.FaceCount > 0) mesh = mesh.LargestComponent();
        if (colors && mesh.VertexCount > 0) mesh = ModelMesher.WithColors(mesh, Model, identity);
        return ToDatasetUnits(mesh);
    }

    /// <summary>Model frame → dataset units: back through dataset.alignment's inverse when the cameras were aligned to a
    /// template, then ×1/cam_scale for PR (Agisoft XML units), scale_mat for IDR data.</summary>
    public Mesh ToDatasetUnits(Mesh mesh)
    {
        if (Dataset.Alignment is { } a) mesh = a.Inverse().Apply(mesh);
        if (Dataset.ScaleMat is { } s)
        {
            // IDR: x_world = S·x (uniform scale on the diagonal plus translation).
            return mesh.Transformed(s[0], (s[3], s[7], s[11]));
        }
        return mesh.Transformed(Dataset.WorldToDatasetScale, (0, 0, 0));
    }

    public void Dispose() => Model.Dispose();
}
