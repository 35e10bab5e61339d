using Spectre.Console.Cli;

namespace Uft.Cli.Commands;

/// <summary>An on/off option (<c>--scale-blur</c>, <c>--scale-blur on</c>, <c>--scale-blur off</c>): given alone it turns
/// the setting on, and <c>off</c> turns off what a config file turned on.</summary>
static class Switch
{
    /// <summary>The setting after <paramref name="flag"/>: <paramref name="current"/> when the option was not given.</summary>
    public static bool Resolve(FlagValue<string>? flag, string option, bool current) => flag is not { IsSet: true } ? current
        : flag.Value?.ToLowerInvariant() switch
        {
            null or "" or "on" or "true" => true,
            "off" or "false" => false,
            _ => throw UftException.Usage($"{option} {flag.Value}: give on or off (alone it means on)"),
        };
}
