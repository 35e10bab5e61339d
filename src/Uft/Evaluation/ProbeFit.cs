namespace Uft.Evaluation;

/// <summary>One fitted linear probe: the L2 penalty used, the L-BFGS iterations it took, the largest gradient
/// component at the end and whether that met the tolerance.</summary>
public sealed record ProbeFit(double Lambda, int Iterations, double GradientMaxAbs, bool Converged);
