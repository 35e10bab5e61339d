namespace Uft.Tests.Reliability;

/// <summary>A reliability test too long for every test run (minutes on 2 cores): runs only with UFT_RELIABILITY_LONG=1.</summary>
public sealed class LongFactAttribute : FactAttribute
{
    public LongFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("UFT_RELIABILITY_LONG") != "1") Skip = "long reliability test: set UFT_RELIABILITY_LONG=1 to run";
    }
}
