namespace Uft.Tests.Reliability;

/// <summary>A fact that fills a real disk (<see cref="Tmpfs"/>); skipped with the reason where no tmpfs can be mounted.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (Tmpfs.Unavailable is { } why) Skip = why;
    }
}
