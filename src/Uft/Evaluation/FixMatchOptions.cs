namespace Uft.Evaluation;

/// <summary>
/// Semi-supervised evaluation with FixMatch (Sohn et al. 2020): confidence threshold 0.95, unlabelled ratio mu = 7,
/// lambda_u = 1, SGD with Nesterov momentum 0.9, weight decay 5e-4 and lr 0.03 decayed as cos(7 pi t / 16 T), as in
/// the FixMatch paper. <see cref="Steps"/> is far below FixMatch's 2^20: set it to the budget at hand.
/// </summary>
public sealed record FixMatchOptions
{
    public int[] Shots { get; init; } = [4];
    public int Trials { get; init; } = 1;
    public int Steps { get; init; } = 2000;
    /// <summary>Labelled images per step; each step also takes <see cref="Mu"/> x this many unlabelled ones.</summary>
    public int BatchSize { get; init; } = 64;
    public int Mu { get; init; } = 7;
    public double Threshold { get; init; } = 0.95;
    public double LambdaU { get; init; } = 1;
    public double LrHead { get; init; } = 0.03;
    public double LrBackbone { get; init; } = 0.03;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 5e-4;
    public int EvalBatchSize { get; init; } = 128;
    public int Seed { get; init; } = 0;

    public void Validate()
    {
        if (Shots.Length == 0 || Shots.Any(k => k < 1)) throw UftException.Usage("--semi-shots: give one or more positive numbers of labels a class, e.g. 4");
        if (Trials < 1 || Steps < 1) throw UftException.Usage($"--trials {Trials} / --steps {Steps}: both must be at least 1");
        if (BatchSize < 1 || Mu < 1) throw UftException.Usage($"--batch-size {BatchSize} / --mu {Mu}: both must be at least 1");
        if (Threshold is < 0 or > 1) throw UftException.Usage($"--threshold: {Threshold} must lie in [0, 1]");
        if (LrHead <= 0 || LrBackbone < 0 || LambdaU < 0) throw UftException.Usage("FixMatch learning rates must be positive and lambda_u non-negative");
    }
}
