using System.Text;
using System.Text.RegularExpressions;

namespace HeadRecon.Config;

/// <summary>
/// Hand-written HOCON reader (no HOCON package is available in our NuGet mirror), covering what pyhocon-style
/// confs of the original project use: # and // comments; key = value, key : value, key { ... }; dotted keys;
/// duplicate keys (objects merge, later scalars win); multi-line arrays with or without commas; quoted,
/// triple-quoted and unquoted strings; numbers; true/false in any case (Python's True/False); null/None;
/// value concatenation; ${path} / ${?path} substitutions; key += value; include "file".
/// Substitutions are resolved while parsing, against the values written so far (then environment variables),
/// which is all a linear conf file needs and keeps every value's source line exact.
/// </summary>
public static partial class Hocon
{
    /// <summary>Parses a whole document.</summary>
    public static HoconObject Parse(string text, string fileName)
    {
        var root = new HoconObject(new ConfSource(fileName, 1));
        ParseInto(root, text, fileName);
        return root;
    }

    /// <summary>Reads and parses a file; the file name in messages is the path as given.</summary>
    public static HoconObject ParseFile(string path) => Parse(ReadFile(path, null), path);

    /// <summary>
    /// Parses <paramref name="text"/> as more fields of <paramref name="root"/> (merging, later wins), with
    /// substitutions able to see what root already holds. <paramref name="withLines"/> = false reports locations
    /// as just the file name (used for one-line command-line overrides, where "line 1" would only confuse).
    /// </summary>
    public static void ParseInto(HoconObject root, string text, string fileName, bool withLines = true)
    {
        var ctx = new Context(root);
        new Parser(ctx, text, fileName, withLines).ParseDocument(root, []);
    }

    internal static string ReadFile(string path, ConfSource? includedFrom)
    {
        if (!File.Exists(path))
            throw includedFrom is null
                ? new ConfException($"configuration file not found ({Path.GetFullPath(path)})", path)
                : new ConfException($"included file not found: {path} ({Path.GetFullPath(path)})", includedFrom);
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfException($"cannot read configuration file: {e.Message}", includedFrom ?? new ConfSource(path, 0), inner: e);
        }
    }

    [GeneratedRegex(@"^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")]
    private static partial Regex NumberRegex();

    /// <summary>Type of an unquoted literal, as pyhocon reads it: numbers, true/false/yes-less booleans, null/None, else string.</summary>
    internal static HoconScalar Literal(string text, ConfSource src)
    {
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase) || text.Equals("false", StringComparison.OrdinalIgnoreCase))
            return new HoconScalar(HoconKind.Bool, text, src);
        if (text is "null" or "None") return new HoconScalar(HoconKind.Null, text, src);
        if (NumberRegex().IsMatch(text)) return new HoconScalar(HoconKind.Number, text, src);
        return new HoconScalar(HoconKind.String, text, src);
    }

    /// <summary>Renders a key path, quoting segments that would not read back as one unquoted key.</summary>
    public static string JoinPath(IEnumerable<string> segments) =>
        string.Join(".", segments.Select(s => s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || c is '_' or '-') ? s : HoconScalar.Quote(s)));

    /// <summary>State shared by a document and the files it includes.</summary>
    sealed class Context(HoconObject root)
    {
        public HoconObject Root { get; } = root;
        /// <summary>Objects being parsed (not yet merged into their parent), innermost last, so ${a.b} can see a's earlier fields.</summary>
        public List<(string[] Path, HoconObject Obj)> Pending { get; } = [];
        public int IncludeDepth { get; set; }
    }

    /// <summary>One piece of a (possibly concatenated) value.</summary>
    readonly record struct Piece(HoconValue? Value, string? Unquoted, string WsBefore, ConfSource Source);

    sealed class Parser(Context ctx, string text, string file, bool withLines)
    {
        int _pos;
        int _line = 1;

        ConfSource Here => new(file, withLines ? _line : 0);

        ConfException Error(string msg, IReadOnlyList<string>? path = null) =>
            new(msg, Here, path is { Count: > 0 } ? JoinPath(path) : null);

        bool Eof => _pos >= text.Length;
        char Peek(int ahead = 0) => _pos + ahead < text.Length ? text[_pos + ahead] : '\0';

        char Next()
        {
            var c = text[_pos++];
            if (c == '\n') _line++;
            return c;
        }

        bool AtComment => Peek() == '#' || (Peek() == '/' && Peek(1) == '/');

        void SkipHws()
        {
            while (!Eof && Peek() is ' ' or '\t' or '\r' or '\uFEFF' or '\u00A0') _pos++;
        }

        void SkipComment()
        {
            while (!Eof && Peek() != '\n') _pos++;
        }

        /// <summary>Whitespace, newlines and comments.</summary>
        void SkipAll()
        {
            while (true)
            {
                SkipHws();
                if (AtComment) SkipComment();
                else if (Peek() == '\n') Next();
                else return;
            }
        }

        static string Describe(char c) => c switch
        {
            '\0' => "end of file",
            '\n' => "end of line",
            _ => $"'{c}'",
        };

        public void ParseDocument(HoconObject target, string[] prefix)
        {
            SkipAll();
            if (Peek() == '{')
            {
                Next();
                ParseFields(target, prefix, braced: true);
                SkipAll();
                if (!Eof) throw Error($"unexpected {Describe(Peek())} after the closing '}}' of the document");
            }
            else
            {
                ParseFields(target, prefix, braced: false);
            }
        }

        void ParseFields(HoconObject obj, string[] objPath, bool braced)
        {
            while (true)
            {
                SkipAll();
                if (Eof)
                {
                    if (braced) throw Error("unexpected end of file: missing '}'", objPath);
                    return;
                }
                if (Peek() == '}')
                {
                    if (!braced) throw Error("unexpected '}' (no object is open)", objPath);
                    Next();
                    return;
                }
                if (Peek() == ',') throw Error("unexpected ','", objPath);

                if (!TryInclude(obj, objPath))
                    ParseField(obj, objPath);

                // A field ends with ',', a new line, a comment, or the end of its object.
                SkipHws();
                if (Peek() == ',') Next();
                else if (!(Eof || Peek() == '\n' || Peek() == '}' || AtComment))
                    throw Error($"unexpected {Describe(Peek())} after a value; expected ',' or a new line", objPath);
            }
        }

        void ParseField(HoconObject obj, string[] objPath)
        {
            var keySource = Here;
            var key = ParseKey(objPath);
            var path = objPath.Concat(key).ToArray();
            SkipHws();
            if (AtComment || Peek() == '\n')
            {
                // Allow the brace of "key {" on the next line (Allman style); nothing else may follow a bare key.
                int savePos = _pos, saveLine = _line;
                SkipAll();
                if (Peek() != '{') { _pos = savePos; _line = saveLine; }
            }
            bool append = false;
            if (Peek() == '{') { }
            else if (Peek() is '=' or ':') { Next(); }
            else if (Peek() == '+' && Peek(1) == '=') { _pos += 2; append = true; }
            else throw Error($"expected '=', ':' or '{{' after the key, got {Describe(Peek())}", path);

            var value = ParseValue(path, inArray: false);
            if (value is null) return; // ${?missing}: the field is simply not set
            SetPath(obj, key, value, append, keySource);
        }

        string[] ParseKey(string[] objPath)
        {
            var segs = new List<string>();
            while (true)
            {
                if (Peek() == '"')
                {
                    segs.Add(ParseQuoted(objPath.Concat(segs).ToArray()));
                }
                else
                {
                    var sb = new StringBuilder();
                    while (!Eof && !AtComment && !IsKeyStop(Peek())) sb.Append(Next());
                    if (sb.Length == 0)
                        throw Error($"expected a key, got {Describe(Peek())}", objPath.Concat(segs).ToArray());
                    segs.Add(sb.ToString());
                }
                if (Peek() == '.') { Next(); continue; }
                return [.. segs];
            }
        }

        static bool IsKeyStop(char c) => c is ' ' or '\t' or '\r' or '\n' or '.' or '=' or ':' or '{' or '}' or '[' or ']'
            or ',' or '"' or '+' or '$' or '#' or '\\' or '\uFEFF';

        /// <summary>include "f" | include file("f") | include required("f") | include required(file("f")).</summary>
        bool TryInclude(HoconObject obj, string[] objPath)
        {
            const string Kw = "include";
            if (string.CompareOrdinal(text, _pos, Kw, 0, Kw.Length) != 0) return false;
            int after = _pos + Kw.Length;
            if (after >= text.Length || text[after] is not (' ' or '\t')) return false;
            int p = after;
            while (p < text.Length && text[p] is ' ' or '\t') p++;
            if (p >= text.Length || !(text[p] == '"' || string.CompareOrdinal(text, p, "file(", 0, 5) == 0
                                      || string.CompareOrdinal(text, p, "required(", 0, 9) == 0))
                return false;

            var src = Here;
            _pos = p;
            int parens = 0;
            foreach (var wrapper in new[] { "required(", "file(" })
            {
                if (string.CompareOrdinal(text, _pos, wrapper, 0, wrapper.Length) == 0)
                {
                    _pos += wrapper.Length;
                    parens++;
                    SkipHws();
                }
            }
            if (Peek() != '"') throw Error($"include: expected a quoted file name, got {Describe(Peek())}", objPath);
            var name = ParseQuoted(objPath);
            for (int i = 0; i < parens; i++)
            {
                SkipHws();
                if (Peek() != ')') throw Error($"include: expected ')', got {Describe(Peek())}", objPath);
                Next();
            }

            // Relative to the including file, as HOCON specifies. A missing file is an error (HOCON would
            // ignore it silently unless required): a silently dropped include would change a run's settings.
            var dir = Path.GetDirectoryName(file);
            var incPath = Path.IsPathRooted(name) || string.IsNullOrEmpty(dir) ? name : Path.Combine(dir, name);
            if (ctx.IncludeDepth >= 32) throw new ConfException("include nesting deeper than 32 (an include cycle?)", src);
            var incText = ReadFile(incPath, src);
            ctx.IncludeDepth++;
            try { new Parser(ctx, incText, incPath, withLines: true).ParseDocument(obj, objPath); }
            finally { ctx.IncludeDepth--; }
            return true;
        }

        bool AtValueEnd(bool inArray) =>
            Eof || AtComment || Peek() is '\n' or ',' || (inArray ? Peek() == ']' : Peek() == '}');

        /// <summary>Reads one value, which may be a concatenation of pieces on the same line. Null = ${?x} that is not defined.</summary>
        HoconValue? ParseValue(string[] path, bool inArray)
        {
            SkipHws();
            var start = Here;
            var pieces = new List<Piece>();
            bool sawMissingOptional = false;
            string ws = "";
            while (true)
            {
                if (AtValueEnd(inArray)) break;
                var src = Here;
                char c = Peek();
                if (c == '{')
                {
                    Next();
                    var o = new HoconObject(src);
                    ctx.Pending.Add((path, o));
                    try { ParseFields(o, path, braced: true); }
                    finally { ctx.Pending.RemoveAt(ctx.Pending.Count - 1); }
                    pieces.Add(new Piece(o, null, ws, src));
                }
                else if (c == '[')
                {
                    pieces.Add(new Piece(ParseArray(path), null, ws, src));
                }
                else if (c == '"')
                {
                    var s = Peek(1) == '"' && Peek(2) == '"' ? ParseTripleQuoted(path) : ParseQuoted(path);
                    pieces.Add(new Piece(new HoconScalar(HoconKind.String, s, src, quoted: true), null, ws, src));
                }
                else if (c == '$' && Peek(1) == '{')
                {
                    var v = ParseSubstitution(path, src);
                    if (v is null) sawMissingOptional = true;
                    else pieces.Add(new Piece(v, null, ws, src));
                }
                else if (c is ']' or '}')
                {
                    throw Error($"unexpected {Describe(c)}", path);
                }
                else
                {
                    var sb = new StringBuilder();
                    while (!AtValueEnd(inArray) && Peek() is not ('{' or '[' or '"' or ']' or '}'))
                    {
                        if (Peek() == '$')
                        {
                            if (Peek(1) == '{') break;
                            throw Error("unexpected '$' in an unquoted value (quote the value, or write ${path} for a substitution)", path);
                        }
                        if (Peek() == '=')
                            throw Error("unexpected '=' in a value (a missing new line or ',' between two fields?)", path);
                        sb.Append(Next());
                    }
                    var raw = sb.ToString();
                    var trimmed = raw.TrimEnd(' ', '\t', '\r', '\uFEFF', '\u00A0');
                    pieces.Add(new Piece(null, trimmed, ws, src));
                    ws = raw[trimmed.Length..];
                    continue;
                }
                int before = _pos;
                SkipHws();
                ws = text[before.._pos];
            }

            if (pieces.Count == 0)
            {
                if (sawMissingOptional) return null;
                throw Error($"expected a value, got {Describe(Peek())}", path);
            }
            if (pieces.Count == 1)
            {
                var p = pieces[0];
                return p.Value ?? Literal(p.Unquoted!, p.Source);
            }
            return Concatenate(pieces, path, start);
        }

        static HoconValue Concatenate(List<Piece> pieces, string[] path, ConfSource start)
        {
            if (pieces.All(p => p.Value is HoconObject))
            {
                var merged = new HoconObject(start);
                foreach (var p in pieces) merged.MergeFrom((HoconObject)p.Value!.Clone());
                return merged;
            }
            if (pieces.All(p => p.Value is HoconArray))
            {
                var arr = new HoconArray(start);
                foreach (var p in pieces) arr.Items.AddRange(((HoconArray)p.Value!).Items);
                return arr;
            }
            var sb = new StringBuilder();
            for (int i = 0; i < pieces.Count; i++)
            {
                var p = pieces[i];
                if (p.Value is HoconObject or HoconArray)
                    throw new ConfException($"cannot concatenate {p.Value.Describe()} with a string (objects join only objects, arrays only arrays)", p.Source, JoinPath(path));
                if (i > 0) sb.Append(p.WsBefore);
                sb.Append(p.Value is HoconScalar s ? (s.Kind == HoconKind.Null ? "" : s.Text) : p.Unquoted);
            }
            return new HoconScalar(HoconKind.String, sb.ToString(), start, quoted: true);
        }

        HoconArray ParseArray(string[] path)
        {
            var arr = new HoconArray(Here);
            Next(); // '['
            while (true)
            {
                SkipAll();
                if (Eof) throw Error("unexpected end of file: missing ']'", path);
                if (Peek() == ']') { Next(); return arr; }
                if (Peek() == ',') throw Error("unexpected ',' in an array (an empty element?)", path);
                var elemPath = path.Length == 0 ? [$"[{arr.Items.Count}]"] : path[..^1].Append($"{path[^1]}[{arr.Items.Count}]").ToArray();
                var v = ParseValue(elemPath, inArray: true);
                if (v is not null) arr.Items.Add(v);
                SkipHws();
                if (Peek() == ',') Next();
                else if (!(Peek() == ']' || Peek() == '\n' || AtComment || Eof))
                    throw Error($"unexpected {Describe(Peek())} in an array; expected ',', ']' or a new line", path);
            }
        }

        string ParseQuoted(IReadOnlyList<string> path)
        {
            Next(); // opening quote
            var sb = new StringBuilder();
            while (true)
            {
                if (Eof || Peek() == '\n') throw Error("unterminated quoted string", path);
                char c = Next();
                if (c == '"') return sb.ToString();
                if (c != '\\') { sb.Append(c); continue; }
                if (Eof) throw Error("unterminated quoted string", path);
                char e = Next();
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (_pos + 4 > text.Length || !int.TryParse(text.AsSpan(_pos, 4), System.Globalization.NumberStyles.HexNumber, null, out var code))
                            throw Error("bad \\u escape in a quoted string (need 4 hex digits)", path);
                        _pos += 4;
                        sb.Append((char)code);
                        break;
                    default: throw Error($"unknown escape '\\{e}' in a quoted string", path);
                }
            }
        }

        string ParseTripleQuoted(IReadOnlyList<string> path)
        {
            _pos += 3;
            int start = _pos;
            int end = text.IndexOf("\"\"\"", _pos, StringComparison.Ordinal);
            if (end < 0) throw Error("unterminated \"\"\" string", path);
            while (end + 3 < text.Length && text[end + 3] == '"') end++; // HOCON: extra quotes belong to the string
            while (_pos < end) Next();
            _pos += 3;
            return text[start..end];
        }

        HoconValue? ParseSubstitution(string[] path, ConfSource src)
        {
            _pos += 2; // "${"
            bool optional = false;
            if (Peek() == '?') { optional = true; Next(); }
            SkipHws();
            var refPath = new List<string>();
            while (true)
            {
                if (Peek() == '"') refPath.Add(ParseQuoted(path));
                else
                {
                    var sb = new StringBuilder();
                    while (!Eof && Peek() is not ('.' or '}' or '\n' or '"' or ' ' or '\t')) sb.Append(Next());
                    if (sb.Length == 0) throw Error($"bad substitution: expected a path, got {Describe(Peek())}", path);
                    refPath.Add(sb.ToString());
                }
                if (Peek() == '.') { Next(); continue; }
                SkipHws();
                if (Peek() != '}') throw Error($"bad substitution: expected '}}', got {Describe(Peek())}", path);
                Next();
                break;
            }

            var found = Lookup(refPath);
            if (found is not null) return found.Clone(src);
            var env = Environment.GetEnvironmentVariable(string.Join(".", refPath));
            if (env is not null) return new HoconScalar(HoconKind.String, env, src, quoted: true);
            if (optional) return null;
            throw new ConfException($"cannot resolve substitution ${{{JoinPath(refPath)}}}: no earlier value and no environment variable of that name", src, JoinPath(path));
        }

        HoconValue? Lookup(List<string> refPath)
        {
            for (int i = ctx.Pending.Count - 1; i >= 0; i--)
            {
                var (p, o) = ctx.Pending[i];
                if (refPath.Count > p.Length && p.SequenceEqual(refPath.Take(p.Length)))
                {
                    var v = o.GetPath(refPath.Skip(p.Length).ToList());
                    if (v is not null) return v;
                }
            }
            return ctx.Root.GetPath(refPath);
        }

        static void SetPath(HoconObject obj, string[] key, HoconValue value, bool append, ConfSource keySource)
        {
            for (int i = 0; i < key.Length - 1; i++)
            {
                if (obj[key[i]] is HoconObject child) { obj = child; continue; }
                var created = new HoconObject(keySource);
                obj.Set(key[i], created);
                obj = created;
            }
            var last = key[^1];
            var existing = obj[last];
            if (append)
            {
                // a += v  is  a = ${?a} [v]
                var arr = existing is HoconArray ea ? (HoconArray)ea.Clone(keySource) : new HoconArray(keySource);
                if (existing is not null and not HoconArray)
                    throw new ConfException($"'+=' needs an array, but the key holds {existing.Describe()}", keySource);
                arr.Items.Add(value);
                obj.Set(last, arr);
            }
            else if (value is HoconObject vo && existing is HoconObject eo) eo.MergeFrom(vo);
            else obj.Set(last, value);
        }
    }
}
