namespace Uft.Tests;

/// <summary>A measurement too slow for every test run (minutes on 2 cores): runs only with UFT_BENCH=1 and ../shared/data present.</summary>
public sealed class BenchFactAttribute : FactAttribute
{
    public BenchFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("UFT_BENCH") != "1") Skip = "benchmark: set UFT_BENCH=1 to run";
        else if (Paths.SharedData is null) Skip = "../shared/data not present";
    }
}
