namespace Uft.Tests.Reliability;

/// <summary>A fact that runs `uft` as an ordinary user (<see cref="OrdinaryUser"/>); skipped with the reason when the
/// tests run as root and cannot switch to nobody.</summary>
public sealed class OrdinaryUserFactAttribute : FactAttribute
{
    public OrdinaryUserFactAttribute()
    {
        if (OrdinaryUser.Unavailable is { } why) Skip = why;
    }
}
