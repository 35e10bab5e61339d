namespace Uft.Interop;

/// <summary>A state-dict key whose tensor in the file has another shape than in the model.</summary>
public sealed record ShapeMismatch(string Key, long[] Expected, long[] Found)
{
    public override string ToString() => $"{Key} expects [{string.Join(", ", Expected)}] but the file has [{string.Join(", ", Found)}]";
}
