namespace Uft.Tests;

/// <summary>
/// Tests that compare two in-process trainings number for number. They must not run beside other tests: a trainer
/// seeds torch's process-wide generator and then builds its model from it, so another test drawing random numbers
/// in between changes the initial weights of one run and not the other (seen once as an epoch-1 loss of 1.389 against 1.449).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial: process-wide torch state";
}
