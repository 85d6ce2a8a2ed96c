using System.Text;
using System.Text.RegularExpressions;

namespace HeadRecon.IO;

/// <summary>
/// Writes a file so that readers (and a process killed at any moment) only ever see the old or the new whole file:
/// the bytes go to a uniquely named temp file in the same folder, are flushed to disk, and the temp file is renamed
/// over the target. Any failure (full disk, permissions, read-only folder, an exception from the writer) deletes the
/// temp file and, for I/O failures, raises one <see cref="IOException"/> naming the target. Temp files left by a
/// killed process are recognised by their name (host and pid of the writer) and removed by the next write.
/// </summary>
public static partial class AtomicFile
{
    static readonly string Host = Sanitize(Environment.MachineName);

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>. With <paramref name="keepPreviousAs"/>,
    /// the file it replaces is kept under that name (a kill between the two renames leaves the new file as a temp and
    /// the old one as the previous copy, never a half-written target).</summary>
    public static void Write(string path, Action<Stream> write, string? keepPreviousAs = null)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        string name = Path.GetFileName(full);
        string tmp = TempPathFor(full, Environment.ProcessId);
        try
        {
            Directory.CreateDirectory(dir);
            RemoveStaleTemps(dir, name);
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            if (keepPreviousAs is not null && File.Exists(full)) File.Move(full, keepPreviousAs, overwrite: true);
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e)
        {
            TryDelete(tmp);
            if (e is IOException or UnauthorizedAccessException) throw new IOException($"{full}: cannot write ({Reason(e)})", e);
            throw;
        }
    }

    /// <summary>A fresh temp name for <paramref name="fullPath"/> written by process <paramref name="pid"/> of this host.</summary>
    internal static string TempPathFor(string fullPath, int pid) =>
        Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Host}.{pid}.{Random.Shared.Next():x8}.tmp");

    public static void WriteAllText(string path, string text) => WriteAllBytes(path, new UTF8Encoding(false).GetBytes(text));

    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, s => s.Write(bytes));

    /// <summary>Deletes the temp files in <paramref name="dir"/> (of every target, or of <paramref name="target"/> only)
    /// whose writer was a process of this host that no longer runs; returns how many were removed.</summary>
    public static int RemoveStaleTemps(string dir, string? target = null)
    {
        if (!Directory.Exists(dir)) return 0;
        int removed = 0;
        string pattern = target is null ? ".*.tmp" : $".{target}.*.tmp";
        foreach (var file in Directory.EnumerateFiles(dir, pattern))
        {
            var m = TempName().Match(Path.GetFileName(file));
            if (!m.Success || m.Groups["host"].Value != Host || (target is not null && m.Groups["name"].Value != target)) continue;
            if (!int.TryParse(m.Groups["pid"].Value, out int pid) || IsRunning(pid)) continue;
            if (TryDelete(file)) removed++;
        }
        return removed;
    }

    /// <summary>The failure in a few words, without the temp path .NET appends to its messages.</summary>
    public static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        _ => TrailingPath().Replace(e.Message, "").ReplaceLineEndings(" ").Trim(),
    };

    static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}");
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    static bool TryDelete(string file)
    {
        try
        {
            if (!File.Exists(file)) return false;
            File.Delete(file);
            return true;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    static string Sanitize(string host)
    {
        var s = new string(host.Select(c => char.IsAsciiLetterOrDigit(c) || c == '-' ? c : '-').ToArray());
        return s.Length == 0 ? "host" : s;
    }

    [GeneratedRegex(@"^\.(?<name>.+)\.(?<host>[A-Za-z0-9-]+)\.(?<pid>\d+)\.[0-9a-f]{8}\.tmp$")]
    private static partial Regex TempName();

    [GeneratedRegex(@"\s*:\s*'[^']*'\s*\.?\s*$")]
    private static partial Regex TrailingPath();
}
