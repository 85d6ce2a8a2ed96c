using System.Globalization;
using System.Text.Json;
using HeadRecon.Config;
using HeadRecon.Rendering;
using static TorchSharp.torch;

namespace HeadRecon.Models;

/// <summary>
/// A model's occupancy grids (ray_sampler.occupancy_grid), one per identity, and their rebuild schedule: a grid is
/// rebuilt when training enters a new block of update_iters × identities iterations. Each iteration renders one
/// identity, so such a block uses each about update_iters times and rebuilds each grid once: the rebuild cost per
/// iteration stays rebuild / update_iters whether 1 or 31 identities are trained. The grids in use are part of the
/// training state (<see cref="Save"/>, <see cref="Restore"/>): rebuilt on resume from later weights, they would
/// sample differently until the next scheduled rebuild.
/// </summary>
public sealed class OccupancyGridSet(OccupancyGridOptions options) : IDisposable
{
    /// <summary>Checkpoint members: "occupancy/&lt;identity&gt;.bin" (a byte per cell) and ".json" (built_at, threshold).</summary>
    public const string MemberPrefix = "occupancy/";

    readonly Dictionary<long, OccupancyGrid> _grids = [];

    public OccupancyGridOptions Options { get; } = options;
    public bool Enabled => Options.Resolution > 0;

    /// <summary>The training iteration the grids are kept current for.</summary>
    public int Step { get; private set; }

    /// <summary>Identities being trained (one rendered per iteration).</summary>
    public int Identities { get; private set; } = 1;

    public IReadOnlyDictionary<long, OccupancyGrid> Grids => _grids;

    public void UpdateToStep(int iteration, int identities)
    {
        Step = iteration;
        Identities = Math.Max(1, identities);
    }

    /// <summary>The identity's grid as last built (current or not), or null.</summary>
    public OccupancyGrid? Current(long identity) => _grids.GetValueOrDefault(identity);

    /// <summary>The identity's grid when it is current for <see cref="Step"/>; otherwise <paramref name="build"/>(step) replaces it.</summary>
    public OccupancyGrid For(long identity, Func<int, OccupancyGrid> build)
    {
        long period = (long)Options.UpdateIters * Identities;
        if (_grids.TryGetValue(identity, out var grid) && grid.BuiltAt / period == Step / period) return grid;
        grid?.Dispose();
        grid = build(Step);
        _grids[identity] = grid;
        return grid;
    }

    /// <summary>What the grid of <paramref name="identity"/> looks like at this step: occupied fraction, and the build time when it was (re)built now.</summary>
    public IEnumerable<(string Name, double Value)> Metrics(long identity)
    {
        if (!Enabled || Current(identity) is not { } grid) yield break;
        yield return ("occupied", grid.OccupiedFraction);
        if (grid.BuiltAt == Step) yield return ("occupancy_build_s", grid.BuildSeconds);
    }

    /// <summary>The grids in use as checkpoint members, by identity.</summary>
    public IEnumerable<(string Name, byte[] Bytes)> Save()
    {
        foreach (var (identity, grid) in _grids.OrderBy(kv => kv.Key))
        {
            yield return ($"{MemberPrefix}{identity}.bin", grid.ToBytes());
            yield return ($"{MemberPrefix}{identity}.json", JsonSerializer.SerializeToUtf8Bytes(new GridState(grid.BuiltAt, grid.Threshold)));
        }
    }

    /// <summary>Puts back the grids saved in a checkpoint (<paramref name="members"/>, read by <paramref name="read"/>); nothing when the grid is off.</summary>
    public void Restore(IEnumerable<string> members, Func<string, byte[]> read, string source, Device device)
    {
        if (!Enabled) return;
        foreach (var name in members.Where(n => n.StartsWith(MemberPrefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal)).ToList())
        {
            string stem = name[..^5];
            try
            {
                long identity = long.Parse(stem[MemberPrefix.Length..], CultureInfo.InvariantCulture);
                var state = JsonSerializer.Deserialize<GridState>(read(name)) ?? throw new InvalidDataException($"unreadable {name}");
                var grid = OccupancyGrid.FromBytes(Options, read(stem + ".bin"), state.BuiltAt, state.Threshold, device);
                if (_grids.Remove(identity, out var old)) old.Dispose();
                _grids[identity] = grid;
            }
            catch (Exception e) when (e is InvalidDataException or KeyNotFoundException or FormatException or JsonException)
            {
                throw new InvalidDataException($"{source}: {stem}: {e.Message}", e);
            }
        }
    }

    /// <summary>Forgets every grid (after loading other weights or moving to another device).</summary>
    public void Reset()
    {
        foreach (var g in _grids.Values) g.Dispose();
        _grids.Clear();
    }

    public void Dispose() => Reset();

    /// <summary>The JSON member of a grid: {"BuiltAt": …, "Threshold": …}.</summary>
    sealed record GridState(int BuiltAt, double Threshold);
}
