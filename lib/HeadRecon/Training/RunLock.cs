using System.Runtime.InteropServices;
using System.Text;

namespace HeadRecon.Training;

/// <summary>
/// The exclusive right to write into one run folder: an advisory lock (flock) on RUN/.lock, which the kernel releases
/// when the holder exits or dies, so a lock is never stale. The file also says who holds it (pid, host, start time,
/// command) for the error a second writer gets; it is emptied on a clean release, so text found in it by the next
/// holder comes from a writer that was killed. On NFS, Linux maps flock onto byte-range locks, which the server
/// arbitrates between machines.
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string FileName = ".lock";

    int _fd = -1;
    FileStream? _fallback;

    RunLock(string path) => Path = path;

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>Who held the lock last when that writer did not release it (killed or crashed); null otherwise.</summary>
    public string? PreviousHolder { get; private set; }

    /// <summary>Takes the lock of <paramref name="runDir"/> (created if missing) or fails with one line naming the folder and the holder.</summary>
    public static RunLock Acquire(string runDir)
    {
        string root = System.IO.Path.GetFullPath(runDir);
        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{root}: cannot create the run folder ({IO.AtomicFile.Reason(e)})", e);
        }
        var l = new RunLock(System.IO.Path.Combine(root, FileName));
        if (OperatingSystem.IsLinux()) l.AcquireFlock(root);
        else l.AcquireFileShare(root);
        return l;
    }

    void AcquireFlock(string root)
    {
        int fd = open(Path, O_RDWR | O_CREAT | O_CLOEXEC, 0x1A4 /* 0644 */);
        if (fd < 0) throw Failure(root, Marshal.GetLastPInvokeError());
        if (flock(fd, LOCK_EX | LOCK_NB) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            string holder = ReadAll(fd);
            _ = close(fd); // the lock failed; nothing to report if closing fails too
            if (errno == EWOULDBLOCK)
                throw new RunLockedException(root, $"{root}: another process is writing to this run ({Describe(holder)}); wait for it to finish or stop it first");
            throw Failure(root, errno);
        }
        _fd = fd;
        string previous = ReadAll(fd);
        if (previous.Trim().Length > 0) PreviousHolder = Describe(previous);
        byte[] me = Encoding.UTF8.GetBytes(HolderText());
        if (ftruncate(fd, 0) != 0 || pwrite(fd, me, me.Length, 0) != me.Length)
        {
            int errno = Marshal.GetLastPInvokeError();
            Dispose();
            throw Failure(root, errno);
        }
    }

    void AcquireFileShare(string root)
    {
        try
        {
            _fallback = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new RunLockedException(root, $"{root}: another process is writing to this run ({e.Message})");
        }
        var bytes = Encoding.UTF8.GetBytes(HolderText());
        _fallback.SetLength(0);
        _fallback.Write(bytes);
        _fallback.Flush();
    }

    static string HolderText() =>
        $"pid {Environment.ProcessId} on host {Environment.MachineName} since {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC: {string.Join(' ', Environment.GetCommandLineArgs().Skip(1))}\n";

    static string Describe(string holder)
    {
        string line = holder.Split('\n', 2)[0].Trim();
        return line.Length == 0 ? "it has not said who it is yet" : line.Split(": ", 2)[0];
    }

    static IOException Failure(string root, int errno) =>
        new($"{root}: cannot lock the run folder ({Marshal.GetPInvokeErrorMessage(errno)})");

    static string ReadAll(int fd)
    {
        var buffer = new byte[4096];
        nint n = pread(fd, buffer, buffer.Length, 0);
        return n > 0 ? Encoding.UTF8.GetString(buffer, 0, (int)n) : "";
    }

    /// <summary>Releases the lock and empties the file (a clean exit leaves no holder behind).</summary>
    public void Dispose()
    {
        if (_fd >= 0)
        {
            _ = ftruncate(_fd, 0); // best effort on release: the holder line is informational
            _ = close(_fd);
            _fd = -1;
        }
        if (_fallback is not null)
        {
            _fallback.SetLength(0);
            _fallback.Dispose();
            _fallback = null;
        }
    }

    const int O_RDWR = 2, O_CREAT = 0x40, O_CLOEXEC = 0x80000;
    const int LOCK_EX = 2, LOCK_NB = 4, EWOULDBLOCK = 11;

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false)]
    static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", SetLastError = true)]
    static extern int flock(int fd, int operation);

    [DllImport("libc", SetLastError = true)]
    static extern nint pread(int fd, byte[] buffer, nint count, long offset);

    [DllImport("libc", SetLastError = true)]
    static extern nint pwrite(int fd, byte[] buffer, nint count, long offset);

    [DllImport("libc", SetLastError = true)]
    static extern int ftruncate(int fd, long length);

    [DllImport("libc", SetLastError = true)]
    static extern int close(int fd);
}

/// <summary>Another process holds the writer lock of <see cref="RunDir"/>.</summary>
public sealed class RunLockedException(string runDir, string message) : IOException(message)
{
    public string RunDir { get; } = runDir;
}
