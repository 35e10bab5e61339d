using System.Numerics;

namespace Uft.Evaluation;

/// <summary>Where <see cref="Lbfgs.Minimize"/> stopped: the last iterate, the iterations it took, the largest
/// gradient component there, and whether that met the tolerance (false: it ran out of iterations or stalled).</summary>
public sealed record LbfgsResult(double[] X, int Iterations, double GradientMaxAbs, bool Converged);

/// <summary>
/// Limited-memory BFGS (Nocedal &amp; Wright, Algorithm 7.4: two-loop recursion) with a backtracking Armijo line
/// search, on one flat float64 parameter vector. Written here because libtorch's LBFGS, reached through TorchSharp,
/// prints a deprecation warning at every construction; full-batch logistic regression needs nothing more. The vectors
/// are plain arrays: each of the recursion's dozens of dot products a step was a libtorch call and a read-back, which
/// made the K-shot probe's small fits cost about a millisecond an iteration (docs/evaluation.md).
/// </summary>
public static class Lbfgs
{
    /// <param name="f">Loss and gradient at a point (it must not modify the point).</param>
    /// <param name="tolerance">Converged when the largest gradient component is at most this.</param>
    /// <returns>The last iterate and how it was reached.</returns>
    public static LbfgsResult Minimize(Func<double[], (double Loss, double[] Gradient)> f, double[] x0, int maxIter = 100, int history = 10, double tolerance = 1e-7)
    {
        var x = (double[])x0.Clone();
        var (loss, g) = f(x);
        var s = new List<double[]>();
        var y = new List<double[]>();
        var rho = new List<double>();
        double gMax = MaxAbs(g);
        int it = 0;
        int n = x.Length;
        for (; it < maxIter && gMax > tolerance; it++)
        {
            // Two-loop recursion: d = -H g with H built from the last (s, y) pairs.
            var q = (double[])g.Clone();
            var alpha = new double[s.Count];
            for (int i = s.Count - 1; i >= 0; i--)
            {
                alpha[i] = rho[i] * Dot(s[i], q);
                Axpy(-alpha[i], y[i], q);
            }
            if (s.Count > 0) Scale(Dot(s[^1], y[^1]) / Dot(y[^1], y[^1]), q);
            for (int i = 0; i < s.Count; i++)
            {
                double beta = rho[i] * Dot(y[i], q);
                Axpy(alpha[i] - beta, s[i], q);
            }
            var d = q;
            Scale(-1, d);
            double slope = Dot(g, d);
            if (slope >= 0)
            {
                d = (double[])g.Clone();
                Scale(-1, d);
                slope = -Dot(g, g);
                s.Clear(); y.Clear(); rho.Clear();
            }
            // Backtracking from the unit step (the natural quasi-Newton scale; the first step is scaled to the gradient).
            double step = s.Count == 0 ? Math.Min(1, 1 / Math.Sqrt(-slope)) : 1;
            var xNew = new double[n];
            double lossNew; double[] gNew;
            while (true)
            {
                for (int i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
                (lossNew, gNew) = f(xNew);
                if (lossNew <= loss + 1e-4 * step * slope || step < 1e-10) break;
                step *= 0.5;
            }
            var sk = new double[n];
            var yk = new double[n];
            for (int i = 0; i < n; i++) { sk[i] = xNew[i] - x[i]; yk[i] = gNew[i] - g[i]; }
            double ys = Dot(yk, sk);
            if (ys > 1e-10)
            {
                s.Add(sk); y.Add(yk); rho.Add(1 / ys);
                if (s.Count > history) { s.RemoveAt(0); y.RemoveAt(0); rho.RemoveAt(0); }
            }
            // A loss that no longer moves in float64 is a stall (the line search found nothing): stop, unconverged
            // unless the gradient says otherwise.
            bool stalled = Math.Abs(loss - lossNew) <= 1e-14 * Math.Max(1, Math.Abs(loss));
            (x, loss, g) = (xNew, lossNew, gNew);
            gMax = MaxAbs(g);
            if (stalled) { it++; break; }
        }
        return new LbfgsResult(x, it, gMax, gMax <= tolerance);
    }

    static double Dot(double[] a, double[] b)
    {
        var sum = Vector<double>.Zero;
        int i = 0, w = Vector<double>.Count;
        for (; i <= a.Length - w; i += w) sum += new Vector<double>(a, i) * new Vector<double>(b, i);
        double total = Vector.Sum(sum);
        for (; i < a.Length; i++) total += a[i] * b[i];
        return total;
    }

    /// <summary>y += a·x.</summary>
    static void Axpy(double a, double[] x, double[] y)
    {
        for (int i = 0; i < x.Length; i++) y[i] += a * x[i];
    }

    static void Scale(double a, double[] x)
    {
        for (int i = 0; i < x.Length; i++) x[i] *= a;
    }

    static double MaxAbs(double[] x)
    {
        double m = 0;
        foreach (var v in x) m = Math.Max(m, Math.Abs(v));
        return m;
    }
}
