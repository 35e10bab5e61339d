namespace Uft.Cli.Commands;

/// <summary>--bn keep|train to <see cref="Uft.Training.TrainConfig.FreezeBn"/>: true, false, or null for the default.</summary>
static class BnMode
{
    /// <summary>The option, as an error names it.</summary>
    public const string Option = "--bn";

    public const string Help = "Batch norm while finetuning: keep (the pretrained statistics; scale and shift still learn) or train " +
        "(train-mode split batch norm, as in MoCo and the paper) (default: keep for pretrained weights, train from random weights).";

    public static bool? Parse(string? mode) => mode?.ToLowerInvariant() switch
    {
        null => null,
        "keep" => true,
        "train" => false,
        _ => throw UftException.Usage($"--bn {mode}: choose keep (the pretrained statistics) or train (train-mode batch norm, as in the paper)"),
    };
}
