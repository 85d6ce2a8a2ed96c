namespace HeadRecon.Data;

/// <summary>A dataset on disk is missing, malformed or inconsistent; the message names the offending file or folder.</summary>
public sealed class DatasetException : Exception
{
    public DatasetException(string message) : base(message) { }
    public DatasetException(string message, Exception inner) : base(message, inner) { }
}
