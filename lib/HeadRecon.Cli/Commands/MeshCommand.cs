using System.Globalization;
using System.CommandLine;
using HeadRecon.IO;
using HeadRecon.Meshing;
using HeadRecon.Runtime;
using HeadRecon.Training;

namespace HeadRecon.Cli.Commands;

public static class MeshCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("RUN") { Description = "run folder (conf.conf + checkpoints/latest.ckpt)" };
        var res = new Option<int?>("--res") { Description = "grid points per axis (default plot.resolution of the run's conf)" };
        var output = new Option<string?>("--out") { Description = "PLY file to write (default RUN/meshes/<identity>.ply)" };
        var identity = new Option<string?>("--identity") { Description = "identity name or index (default: stage 2's scan_id, else the first)" };
        var template = new Option<bool>("--template") { Description = "mesh the shared template T(x) instead of the identity's SDF" };
        var colors = new Option<bool>("--colors") { Description = "vertex colours from the colour network" };
        var largest = new Option<bool>("--largest-component") { Description = "keep only the largest connected component" };
        var device = CliOptions.Device();
        var cmd = new Command("mesh", "Marching cubes on a trained run's SDF; binary PLY in the dataset's units.") { run, res, output, identity, template, colors, largest, device };
        cmd.SetAction(parse =>
        {
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device)!);
            using var r = TrainedRun.Load(parse.GetValue(run)!, dev);
            int id = parse.GetValue(identity) is string s ? r.IdentityIndex(s) : r.DefaultIdentity;
            var source = parse.GetValue(template) ? MeshSource.Template : MeshSource.Final;
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var mesh = r.ExtractMesh(id, parse.GetValue(res), source, parse.GetValue(colors), parse.GetValue(largest));
            if (mesh.FaceCount == 0)
                throw new InvalidDataException($"{r.Folder.Root}: no surface inside plot.grid_boundary [{string.Join(", ", r.Conf.Plot.GridBoundary)}] at iteration {r.Meta.Iteration}; widen it with the run's conf or train longer");
            string name = source == MeshSource.Template ? "template" : r.Dataset.IdentityNames.ElementAtOrDefault(id) ?? id.ToString(CultureInfo.InvariantCulture);
            string path = parse.GetValue(output) ?? Path.Combine(r.Folder.Root, "meshes", $"{name}.ply");
            Ply.Write(path, mesh);
            Console.WriteLine($"{path}: {mesh.VertexCount} vertices, {mesh.FaceCount} faces ({sw.Elapsed.TotalSeconds:F1} s, iteration {r.Meta.Iteration})");
            return 0;
        });
        return cmd;
    }
}
