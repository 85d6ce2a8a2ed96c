using System.CommandLine;

namespace HeadRecon.Cli;

/// <summary>Options shared by several commands.</summary>
public static class CliOptions
{
    public static Option<string> Device() => new("--device")
    {
        Description = "auto | cpu | cuda | cuda:N",
        DefaultValueFactory = _ => "auto",
    };
}
