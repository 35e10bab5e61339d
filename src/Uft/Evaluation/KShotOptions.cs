namespace Uft.Evaluation;

/// <summary>
/// Few-shot transfer settings. Defaults follow the paper: K in {1, 2, 4, 8} labels a class, 3 trials, 30 epochs of
/// SGD (momentum 0.9) with lr 3.0 for the new classifier and 1e-4 for the pretrained layers. The classifier sees
/// L2-normalised pooled features, which is what keeps lr 3.0 stable. Learning rates stay constant (the issue names no
/// schedule). CPU runs will want fewer epochs or trials.
/// <para><see cref="FreezeBatchNorm"/>: batch-norm layers normalise with the backbone's running statistics and do not
/// update them (their scale and shift still learn). With K x classes images, train-mode batches are small and each
/// one moves the running statistics by 10%, so test-time statistics end up describing the last few dozen augmented
/// images; measured on Caltech-101 this made 2-shot worse than 1-shot (docs/evaluation.md).</para>
/// </summary>
public sealed record KShotOptions
{
    public int[] Shots { get; init; } = [1, 2, 4, 8];
    public int Trials { get; init; } = 3;
    public int Epochs { get; init; } = 30;
    public double LrHead { get; init; } = 3.0;
    public double LrBackbone { get; init; } = 1e-4;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 0;
    public int BatchSize { get; init; } = 64;
    public int EvalBatchSize { get; init; } = 128;
    public int Seed { get; init; } = 0;
    public bool FreezeBatchNorm { get; init; } = true;

    public void Validate()
    {
        if (Shots.Length == 0 || Shots.Any(k => k < 1)) throw UftException.Usage("--shots: give one or more positive numbers of labels a class, e.g. 1,2,4,8");
        if (Trials < 1) throw UftException.Usage($"--trials: {Trials} must be at least 1");
        if (Epochs < 1) throw UftException.Usage($"--epochs: {Epochs} must be at least 1");
        if (LrHead <= 0 || LrBackbone < 0) throw UftException.Usage($"--lr-head {LrHead} / --lr-backbone {LrBackbone}: learning rates must be positive (backbone may be 0 to freeze it)");
        if (BatchSize < 2 || EvalBatchSize < 1) throw UftException.Usage($"--batch-size: {BatchSize} must be at least 2 (batch norm needs two images)");
    }
}
