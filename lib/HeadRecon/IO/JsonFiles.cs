using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HeadRecon.IO;

/// <summary>Human-readable JSON files (indented, no \u escapes for '+' or quotes), written atomically.</summary>
public static class JsonFiles
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes the node (UTF-8, trailing newline) via a temporary file and a rename; creates the folder.</summary>
    public static void Write(string path, JsonNode node)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, node.ToJsonString(Indented) + "\n", new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }
}
