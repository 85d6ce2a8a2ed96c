using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace HeadRecon.Config;

/// <summary>
/// Loads a .conf into <see cref="HeadConf"/> (binding by reflection over [ConfKey]), applies command-line
/// overrides and writes a resolved conf back. Strict on purpose: an unknown key or a wrongly typed value is an
/// error naming file, line and full key, because a silently ignored typo would change an expensive run.
/// </summary>
public static class ConfLoader
{
    /// <summary>Parses the file at <paramref name="path"/>, applies overrides ("model.num_identity=31", any HOCON field syntax) and binds.</summary>
    public static HeadConf Load(string path, IEnumerable<string>? overrides = null)
    {
        var text = Hocon.ReadFile(path, null);
        return Parse(text, path, overrides);
    }

    /// <summary>As <see cref="Load"/> for text already in memory; <paramref name="fileName"/> is used in messages and to resolve includes.</summary>
    public static HeadConf Parse(string text, string fileName, IEnumerable<string>? overrides = null)
    {
        var root = ParseTree(text, fileName, overrides);
        return Bind(root);
    }

    /// <summary>The merged HOCON tree (file + overrides) before binding, e.g. for tools that inspect raw keys.</summary>
    public static HoconObject ParseTree(string text, string fileName, IEnumerable<string>? overrides = null)
    {
        var root = Hocon.Parse(text, fileName);
        foreach (var ov in overrides ?? [])
        {
            // Overrides are parsed as one more HOCON field each, after the file: later wins, objects merge, and
            // ${...} can refer to the file's values. Reported as "--set <text>" since they have no line.
            Hocon.ParseInto(root, ov, $"--set {ov}", withLines: false);
        }
        return root;
    }

    /// <summary>Binds a parsed tree; keys not given keep the defaults of the option records. Every value is then checked
    /// (<see cref="ConfChecks"/>).</summary>
    public static HeadConf Bind(HoconObject root) => ConfChecks.Check((HeadConf)BindRecord(typeof(HeadConf), new HeadConf(), root, ""));

    /// <summary>
    /// Writes every value of <paramref name="conf"/> (defaults included) as HOCON, in the records' declaration
    /// order; <c>Parse(ToHocon(c), ...)</c> gives back equal values (see <see cref="Differences"/>).
    /// </summary>
    public static string ToHocon(HeadConf conf)
    {
        var sb = new StringBuilder();
        sb.Append("# Resolved configuration, written by HeadRecon.Config.ConfLoader.ToHocon: every key with its effective value.\n");
        WriteFields(sb, conf, 0);
        return sb.ToString();
    }

    /// <summary>Full dotted keys whose values differ between two configurations (lists compared element-wise).</summary>
    public static IReadOnlyList<string> Differences(HeadConf a, HeadConf b)
    {
        var diffs = new List<string>();
        Compare(typeof(HeadConf), a, b, "", diffs);
        return diffs;
    }

    /// <summary>Every full dotted key the schema knows (sections and leaves), e.g. "model.ray_sampler.N_samples".</summary>
    public static IReadOnlyList<string> KnownKeys => KnownKeyList.Value;

    // ---------------------------------------------------------------- schema

    static readonly Dictionary<Type, (string Key, PropertyInfo Prop)[]> SchemaCache = [];
    static readonly Lazy<IReadOnlyList<string>> KnownKeyList = new(() =>
    {
        var list = new List<string>();
        void Walk(Type t, string prefix)
        {
            foreach (var (key, prop) in Schema(t))
            {
                var full = Join(prefix, key);
                list.Add(full);
                if (IsSection(prop.PropertyType)) Walk(prop.PropertyType, full);
            }
        }
        Walk(typeof(HeadConf), "");
        return list;
    });

    static (string Key, PropertyInfo Prop)[] Schema(Type t)
    {
        lock (SchemaCache)
        {
            if (SchemaCache.TryGetValue(t, out var s)) return s;
            s = t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Select(p => (Attr: p.GetCustomAttribute<ConfKeyAttribute>(), Prop: p))
                .Where(x => x.Attr is not null)
                .OrderBy(x => x.Prop.MetadataToken) // declaration order, so written confs read like the records
                .Select(x => (x.Attr!.Key, x.Prop))
                .ToArray();
            SchemaCache[t] = s;
            return s;
        }
    }

    static bool IsSection(Type t) => t.IsClass && t != typeof(string) && Schema(t).Length > 0;

    static string Join(string prefix, string key) => prefix.Length == 0 ? key : $"{prefix}.{key}";

    // ---------------------------------------------------------------- binding

    static object BindRecord(Type t, object current, HoconObject obj, string prefix)
    {
        var inst = CloneRecord(t, current);
        var props = Schema(t);
        foreach (var (key, value) in obj.Fields)
        {
            var full = Join(prefix, key);
            var match = props.FirstOrDefault(p => p.Key == key);
            if (match.Prop is null) throw UnknownKey(full, value.Source);
            var prop = match.Prop;
            if (prop.SetMethod is null) throw new InvalidOperationException($"{t.Name}.{prop.Name} has [ConfKey(\"{key}\")] but no setter");
            prop.SetValue(inst, Convert(prop.PropertyType, prop.GetValue(inst), value, full));
        }
        return inst;
    }

    /// <summary>Copies a record through its compiler-generated clone, so a section given partially keeps the other defaults.</summary>
    static object CloneRecord(Type t, object current)
    {
        var clone = t.GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes);
        if (clone is not null) return clone.Invoke(current, null)!;
        var inst = Activator.CreateInstance(t)!;
        foreach (var (_, p) in Schema(t)) p.SetValue(inst, p.GetValue(current));
        return inst;
    }

    static ConfException UnknownKey(string full, ConfSource src)
    {
        var best = KnownKeys
            .Select(k => (Key: k, Dist: Levenshtein(k.ToLowerInvariant(), full.ToLowerInvariant())))
            .OrderBy(x => x.Dist).ThenBy(x => x.Key, StringComparer.Ordinal)
            .FirstOrDefault();
        var hint = best.Key is null ? "" : $"; did you mean {best.Key}?";
        return new ConfException("unknown key" + hint, src, full);
    }

    /// <summary>Edit distance, for "did you mean" hints.</summary>
    internal static int Levenshtein(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }

    static ConfException TypeError(string expected, HoconValue v, string key) =>
        new($"expected {expected}, got {(v.Kind == HoconKind.Object ? "an object " : "")}{v.Describe()}", v.Source, key);

    static object? Convert(Type type, object? current, HoconValue v, string key)
    {
        var under = Nullable.GetUnderlyingType(type);
        if (under is not null)
            return v.Kind == HoconKind.Null ? null : Convert(under, null, v, key);

        if (IsSection(type))
        {
            if (v is not HoconObject o) throw TypeError($"a section {{ ... }} with keys {string.Join(", ", Schema(type).Select(s => s.Key))}", v, key);
            return BindRecord(type, current ?? Activator.CreateInstance(type)!, o, key);
        }

        if (MapValueType(type) is { } valueType)
        {
            if (v is not HoconObject map) throw TypeError($"a section {{ name = {Describe(valueType, plural: false)}, ... }}", v, key);
            var dict = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(typeof(string), valueType), StringComparer.Ordinal)!;
            foreach (var (name, item) in map.Fields) dict[name] = Convert(valueType, null, item, Join(key, name));
            return dict;
        }

        var elem = ListElementType(type);
        if (elem is not null)
        {
            if (v is not HoconArray arr) throw TypeError($"a list of {Describe(elem, plural: true)} like [a, b]", v, key);
            var result = Array.CreateInstance(elem, arr.Items.Count);
            for (int i = 0; i < arr.Items.Count; i++) result.SetValue(Convert(elem, null, arr.Items[i], $"{key}[{i}]"), i);
            if (type.IsAssignableFrom(result.GetType())) return result;
            var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(elem))!;
            foreach (var x in result) list.Add(x);
            return list;
        }

        var s = v as HoconScalar;
        if (type == typeof(string))
        {
            if (s is null || s.Kind == HoconKind.Null) throw TypeError("a string", v, key);
            return s.Text; // numbers and booleans keep their spelling (scan_id = 371 is the string "371")
        }
        if (type == typeof(bool))
        {
            if (s is { Kind: HoconKind.Bool }) return s.BoolValue;
            if (s is { Kind: HoconKind.String, Quoted: false })
            {
                // HOCON's other boolean spellings, accepted where a boolean is expected.
                switch (s.Text.ToLowerInvariant())
                {
                    case "yes" or "on": return true;
                    case "no" or "off": return false;
                }
            }
            throw TypeError("a boolean (true/false)", v, key);
        }
        if (type == typeof(int) || type == typeof(long))
        {
            if (s is { Kind: HoconKind.Number })
            {
                var d = s.DoubleValue;
                bool fits = type == typeof(int) ? d is >= int.MinValue and <= int.MaxValue : d is >= long.MinValue and <= long.MaxValue;
                if (long.TryParse(s.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) && fits)
                    return type == typeof(int) ? (object)(int)l : l;
                if (Math.Floor(d) == d && fits) // 2e4 is an integer written as a float
                    return type == typeof(int) ? (object)(int)d : (long)d;
            }
            throw TypeError("an integer", v, key);
        }
        if (type == typeof(double) || type == typeof(float))
        {
            double d;
            if (s is { Kind: HoconKind.Number }) d = s.DoubleValue;
            else if (s is { Kind: HoconKind.String } && NonFinite(s.Text) is double nf) d = nf;
            else throw TypeError("a number", v, key);
            return type == typeof(float) ? (object)(float)d : d;
        }
        if (type.IsEnum)
        {
            if (s is { Kind: HoconKind.String } && Enum.TryParse(type, s.Text, ignoreCase: true, out var e)) return e;
            throw TypeError($"one of {string.Join(", ", Enum.GetNames(type))}", v, key);
        }
        throw new NotSupportedException($"{key}: property type {type} is not supported by ConfLoader");
    }

    static double? NonFinite(string text) => text switch
    {
        "NaN" or "nan" => double.NaN,
        "Infinity" or "inf" => double.PositiveInfinity,
        "-Infinity" or "-inf" => double.NegativeInfinity,
        _ => null,
    };

    /// <summary>T of a string-keyed map (IReadOnlyDictionary&lt;string, T&gt;, Dictionary&lt;string, T&gt;): a section whose keys are names, not schema keys.</summary>
    static Type? MapValueType(Type t)
    {
        if (!t.IsGenericType) return null;
        var def = t.GetGenericTypeDefinition();
        var args = t.GetGenericArguments();
        return (def == typeof(IReadOnlyDictionary<,>) || def == typeof(IDictionary<,>) || def == typeof(Dictionary<,>)) && args[0] == typeof(string) ? args[1] : null;
    }

    static Type? ListElementType(Type t)
    {
        if (t.IsArray) return t.GetElementType();
        if (!t.IsGenericType) return null;
        var def = t.GetGenericTypeDefinition();
        return def == typeof(IReadOnlyList<>) || def == typeof(IList<>) || def == typeof(List<>) || def == typeof(IEnumerable<>)
               || def == typeof(IReadOnlyCollection<>) || def == typeof(ICollection<>)
            ? t.GetGenericArguments()[0] : null;
    }

    static string Describe(Type t, bool plural)
    {
        var n = t == typeof(int) || t == typeof(long) ? "integer" : t == typeof(double) || t == typeof(float) ? "number"
            : t == typeof(bool) ? "boolean" : t == typeof(string) ? "string" : ListElementType(t) is not null ? "list" : t.Name;
        return plural ? n + "s" : n;
    }

    // ---------------------------------------------------------------- writing

    static void WriteFields(StringBuilder sb, object rec, int indent)
    {
        var pad = new string(' ', indent);
        foreach (var (key, prop) in Schema(rec.GetType()))
        {
            var v = prop.GetValue(rec);
            var k = Hocon.JoinPath([key]);
            if (v is not null && IsSection(prop.PropertyType))
            {
                sb.Append(pad).Append(k).Append(" {\n");
                WriteFields(sb, v, indent + 2);
                sb.Append(pad).Append("}\n");
            }
            else
            {
                sb.Append(pad).Append(k).Append(" = ").Append(FormatValue(v)).Append('\n');
            }
        }
    }

    static string FormatValue(object? v) => v switch
    {
        null => "null",
        string s => HoconScalar.Quote(s),
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatDouble(d),
        float f => FormatDouble(f),
        Enum e => HoconScalar.Quote(e.ToString()),
        IDictionary d => "{" + string.Join(", ", d.Keys.Cast<string>().Order(StringComparer.Ordinal).Select(k => $"{Hocon.JoinPath([k])} = {FormatValue(d[k])}")) + "}",
        IEnumerable e => "[" + string.Join(", ", e.Cast<object?>().Select(FormatValue)) + "]",
        _ => throw new NotSupportedException($"cannot write a {v.GetType()} as HOCON"),
    };

    /// <summary>Shortest round-trip text; integral values get ".0" so the written conf shows the field is a float.</summary>
    static string FormatDouble(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsPositiveInfinity(d)) return "Infinity";
        if (double.IsNegativeInfinity(d)) return "-Infinity";
        var s = d.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
        return s.Contains('.') || s.Contains('e') ? s : s + ".0";
    }

    // ---------------------------------------------------------------- comparison

    static void Compare(Type t, object? a, object? b, string key, List<string> diffs)
    {
        if (a is null || b is null)
        {
            if (a is not null || b is not null) diffs.Add(key);
            return;
        }
        if (IsSection(t))
        {
            foreach (var (k, p) in Schema(t)) Compare(p.PropertyType, p.GetValue(a), p.GetValue(b), Join(key, k), diffs);
            return;
        }
        if (a is IDictionary da && b is IDictionary db)
        {
            var keys = da.Keys.Cast<string>().Union(db.Keys.Cast<string>());
            if (keys.Any(k => !da.Contains(k) || !db.Contains(k) || !Equals(da[k], db[k]))) diffs.Add(key);
            return;
        }
        if (a is IEnumerable ea && a is not string && b is IEnumerable eb)
        {
            var la = ea.Cast<object?>().ToList();
            var lb = eb.Cast<object?>().ToList();
            if (la.Count != lb.Count) { diffs.Add(key); return; }
            var elem = ListElementType(t) ?? typeof(object);
            for (int i = 0; i < la.Count; i++)
            {
                var before = diffs.Count;
                Compare(elem, la[i], lb[i], $"{key}[{i}]", diffs);
                if (diffs.Count > before) { diffs.RemoveRange(before, diffs.Count - before); diffs.Add(key); return; }
            }
            return;
        }
        if (!Equals(a, b)) diffs.Add(key);
    }
}
