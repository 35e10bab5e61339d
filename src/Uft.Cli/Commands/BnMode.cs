namespace Uft.Cli.Commands;

/// <summary>--freeze-bn / --train-bn to <see cref="Uft.Training.TrainConfig.FreezeBn"/>: true, false, or null for the default.</summary>
static class BnMode
{
    /// <summary>The options, as an error names them.</summary>
    public const string Option = "--train-bn";

    public static bool? Resolve(bool freeze, bool train) => (freeze, train) switch
    {
        (true, true) => throw UftException.Usage("--freeze-bn and --train-bn: choose one"),
        (true, false) => true,
        (false, true) => false,
        _ => null,
    };
}
