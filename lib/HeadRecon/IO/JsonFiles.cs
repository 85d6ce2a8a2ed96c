using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HeadRecon.IO;

/// <summary>Human-readable JSON files (indented, no \u escapes for '+' or quotes), written atomically.</summary>
public static class JsonFiles
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the node (UTF-8, trailing newline) through <see cref="AtomicFile"/>; creates the folder.</summary>
    public static void Write(string path, JsonNode node) => AtomicFile.WriteAllText(path, node.ToJsonString(Indented) + "\n");
}
