namespace Uft.Evaluation;

/// <summary>Progress of an evaluation stage: <paramref name="Done"/> of <paramref name="Total"/> units (images, epochs, steps).</summary>
public readonly record struct EvalProgress(string Stage, int Done, int Total);
