using System.Globalization;
using System.Text;

namespace HeadRecon.Config;

public enum HoconKind { Object, Array, String, Number, Bool, Null }

/// <summary>A parsed HOCON value. Every value remembers where it was written, so binding errors can point at the line.</summary>
public abstract class HoconValue(ConfSource source)
{
    public ConfSource Source { get; internal set; } = source;
    public abstract HoconKind Kind { get; }

    /// <summary>Deep copy; substitutions copy so that later edits of one path never leak into another.</summary>
    public abstract HoconValue Clone(ConfSource? at = null);

    /// <summary>Short rendering for error messages ("abc" quoted, numbers raw, long arrays elided).</summary>
    public abstract string Describe();

    /// <summary>The whole value as HOCON text on one line, which <see cref="Hocon"/> reads back to an equal value.</summary>
    public abstract string ToHocon();

    public override string ToString() => Describe();
}

public sealed class HoconScalar(HoconKind kind, string text, ConfSource source, bool quoted = false) : HoconValue(source)
{
    public override HoconKind Kind { get; } = kind is HoconKind.String or HoconKind.Number or HoconKind.Bool or HoconKind.Null
        ? kind : throw new ArgumentException("not a scalar kind", nameof(kind));

    /// <summary>The text as written (numbers keep their spelling, e.g. "5.0e-4"; strings are unescaped).</summary>
    public string Text { get; } = text;

    /// <summary>True for a "quoted" string: it never turns into a number or boolean.</summary>
    public bool Quoted { get; } = quoted;

    public bool BoolValue => Kind == HoconKind.Bool ? Text.Equals("true", StringComparison.OrdinalIgnoreCase)
        : throw new InvalidOperationException($"{Describe()} is not a boolean");

    public double DoubleValue => Kind == HoconKind.Number ? double.Parse(Text, NumberStyles.Float, CultureInfo.InvariantCulture)
        : throw new InvalidOperationException($"{Describe()} is not a number");

    public override HoconValue Clone(ConfSource? at = null) => new HoconScalar(Kind, Text, at ?? Source, Quoted);

    public override string Describe() => Kind == HoconKind.String ? Quote(Text) : Text;

    public override string ToHocon() => Describe();

    /// <summary>JSON-style quoting, which HOCON reads back unchanged.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}

public sealed class HoconArray(ConfSource source) : HoconValue(source)
{
    public override HoconKind Kind => HoconKind.Array;
    public List<HoconValue> Items { get; } = [];

    public override HoconValue Clone(ConfSource? at = null)
    {
        var a = new HoconArray(at ?? Source);
        foreach (var v in Items) a.Items.Add(v.Clone());
        return a;
    }

    public override string Describe()
    {
        const int Max = 6;
        var parts = Items.Take(Max).Select(v => v.Describe());
        return "[" + string.Join(", ", parts) + (Items.Count > Max ? ", ..." : "") + "]";
    }

    public override string ToHocon() => "[" + string.Join(", ", Items.Select(v => v.ToHocon())) + "]";
}

/// <summary>An object whose fields keep the order in which they were first written.</summary>
public sealed class HoconObject(ConfSource source) : HoconValue(source)
{
    readonly Dictionary<string, HoconValue> _map = new(StringComparer.Ordinal);
    readonly List<string> _order = [];

    public override HoconKind Kind => HoconKind.Object;
    public int Count => _order.Count;
    public IEnumerable<string> Keys => _order;
    public IEnumerable<KeyValuePair<string, HoconValue>> Fields => _order.Select(k => new KeyValuePair<string, HoconValue>(k, _map[k]));

    public bool TryGetValue(string key, out HoconValue value) => _map.TryGetValue(key, out value!);

    public HoconValue? this[string key] => _map.GetValueOrDefault(key);

    /// <summary>Follows a path of keys (already split; a key may itself contain dots if it was quoted).</summary>
    public HoconValue? GetPath(IReadOnlyList<string> path)
    {
        HoconValue? cur = this;
        foreach (var seg in path)
        {
            if (cur is not HoconObject o || !o.TryGetValue(seg, out cur)) return null;
        }
        return cur;
    }

    /// <summary>Convenience for unquoted dotted paths: GetPath("model.ray_sampler.N_samples").</summary>
    public HoconValue? GetPath(string dottedPath) => GetPath(dottedPath.Split('.'));

    /// <summary>Replaces (or adds) a field; a replaced field keeps its original position.</summary>
    public void Set(string key, HoconValue value)
    {
        if (!_map.ContainsKey(key)) _order.Add(key);
        _map[key] = value;
    }

    public bool Remove(string key)
    {
        if (!_map.Remove(key)) return false;
        _order.Remove(key);
        return true;
    }

    /// <summary>HOCON duplicate-key rule: object onto object merges recursively; anything else, the later value wins.</summary>
    public void MergeFrom(HoconObject later)
    {
        foreach (var (k, v) in later.Fields)
        {
            if (v is HoconObject lo && _map.GetValueOrDefault(k) is HoconObject eo) eo.MergeFrom(lo);
            else Set(k, v);
        }
    }

    public override HoconValue Clone(ConfSource? at = null)
    {
        var o = new HoconObject(at ?? Source);
        foreach (var k in _order) o.Set(k, _map[k].Clone());
        return o;
    }

    public override string ToHocon() => Count == 0 ? "{}" : "{ " + string.Join(", ", Fields.Select(f => $"{Hocon.JoinPath([f.Key])} = {f.Value.ToHocon()}")) + " }";

    public override string Describe() => Count == 0 ? "{}" : "{ " + string.Join(", ", _order.Take(4)) + (Count > 4 ? ", ..." : "") + " }";
}
