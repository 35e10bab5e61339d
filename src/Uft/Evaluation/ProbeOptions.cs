namespace Uft.Evaluation;

/// <summary>
/// How the linear probes fit. The K-shot probe chooses its L2 penalty λ per backbone, K and trial from
/// <see cref="Lambdas"/> by cross-validation on that trial's K-shot train features (docs/evaluation.md): a fixed λ
/// weighs differently against the loss of different backbones and can flip close comparisons. The full probe, with
/// many labels a class, uses <see cref="FullLambda"/>.
/// </summary>
public sealed record ProbeOptions
{
    /// <summary>Candidate penalties (as λ/2·‖W‖² on the mean cross-entropy); one value fixes λ (no cross-validation).</summary>
    public double[] Lambdas { get; init; } = [1e-5, 1e-4, 1e-3, 1e-2];
    /// <summary>At most this many folds: K ≥ 2 holds out one shot a class per fold (leave-one-shot-out up to this many).</summary>
    public int MaxFolds { get; init; } = 4;
    public double FullLambda { get; init; } = 1e-4;
    public int MaxIterations { get; init; } = 500;
    /// <summary>A fit has converged when the largest gradient component is at most this.</summary>
    public double GradientTolerance { get; init; } = 1e-5;

    public void Validate()
    {
        if (Lambdas.Length == 0 || Lambdas.Any(l => !(l >= 0 && double.IsFinite(l)))) throw UftException.Usage("probe lambdas: give one or more finite values >= 0");
        if (MaxFolds < 2) throw UftException.Usage($"probe folds: {MaxFolds} must be at least 2");
        if (!(FullLambda >= 0)) throw UftException.Usage($"probe lambda: {FullLambda} must be >= 0");
        if (MaxIterations < 1 || !(GradientTolerance > 0)) throw UftException.Usage("probe iterations and tolerance: both must be positive");
    }

    /// <summary>One line for eval.json's settings and the report: what changes the probe's numbers.</summary>
    public string Describe() =>
        $"L-BFGS up to {MaxIterations} iterations, gradient tolerance {GradientTolerance:G3}; K-shot λ " +
        (Lambdas.Length == 1 ? $"{Lambdas[0]:G3} (fixed)" : $"from {{{string.Join(", ", Lambdas.Select(l => l.ToString("G3")))}}} by leave-one-shot-out cross-validation (≤ {MaxFolds} folds; K = 1: one extra image a class)") +
        $"; full probe λ {FullLambda:G3}";
}
