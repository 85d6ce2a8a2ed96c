namespace HeadRecon.Config;

/// <summary>Where a HOCON value or key was written. Line 0 means "no line" (e.g. a command-line override).</summary>
public sealed record ConfSource(string File, int Line)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}" : File;
}

/// <summary>
/// The single exception type for every configuration problem (syntax, unknown key, wrong type, missing file).
/// The message reads "file:line: full.dotted.key: what is wrong", so a run that fails at start-up says exactly where to look.
/// </summary>
public sealed class ConfException : Exception
{
    public string? File { get; }
    public int Line { get; }
    /// <summary>Full dotted key the problem concerns, when known.</summary>
    public string? Key { get; }

    public ConfException(string message, string? file = null, int line = 0, string? key = null, Exception? inner = null)
        : base(Format(message, file, line, key), inner)
    {
        File = file;
        Line = line;
        Key = key;
    }

    public ConfException(string message, ConfSource? source, string? key = null, Exception? inner = null)
        : this(message, source?.File, source?.Line ?? 0, key, inner)
    {
    }

    static string Format(string message, string? file, int line, string? key)
    {
        var prefix = file is null ? "" : line > 0 ? $"{file}:{line}: " : $"{file}: ";
        var k = string.IsNullOrEmpty(key) ? "" : $"{key}: ";
        return prefix + k + message;
    }
}
