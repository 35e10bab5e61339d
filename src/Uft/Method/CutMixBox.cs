namespace Uft.Method;

/// <summary>The pasted box, rows <c>[Y0, Y1)</c> and columns <c>[X0, X1)</c> of an H×W image.</summary>
public readonly record struct CutMixBox(int Y0, int Y1, int X0, int X1)
{
    public int Area => (Y1 - Y0) * (X1 - X0);
}
