namespace Uft.Tests;

/// <summary>A fact that needs ../shared/data; skipped with a reason on a machine without it.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (Paths.SharedData is null) Skip = "../shared/data not present";
    }
}
