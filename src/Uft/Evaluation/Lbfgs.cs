using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>Where <see cref="Lbfgs.Minimize"/> stopped: the last iterate, the iterations it took, the largest
/// gradient component there, and whether that met the tolerance (false: it ran out of iterations or stalled).</summary>
public sealed record LbfgsResult(Tensor X, int Iterations, double GradientMaxAbs, bool Converged);

/// <summary>
/// Limited-memory BFGS (Nocedal &amp; Wright, Algorithm 7.4: two-loop recursion) with a backtracking Armijo line
/// search, on one flat float64 parameter vector. Written here because libtorch's LBFGS, reached through TorchSharp,
/// prints a deprecation warning at every construction; full-batch logistic regression needs nothing more.
/// </summary>
public static class Lbfgs
{
    /// <param name="f">Loss and gradient at a point (the point is not modified by the caller's function).</param>
    /// <param name="tolerance">Converged when the largest gradient component is at most this.</param>
    /// <returns>The last iterate and how it was reached.</returns>
    public static LbfgsResult Minimize(Func<Tensor, (double Loss, Tensor Gradient)> f, Tensor x0, int maxIter = 100, int history = 10, double tolerance = 1e-7)
    {
        var x = x0.detach().clone();
        var (loss, g) = f(x);
        var s = new List<Tensor>();
        var y = new List<Tensor>();
        double gMax = g.abs().max().item<double>();
        int it = 0;
        for (; it < maxIter && gMax > tolerance; it++)
        {
            // Two-loop recursion: d = -H g with H built from the last (s, y) pairs.
            var q = g.clone();
            var alpha = new double[s.Count];
            for (int i = s.Count - 1; i >= 0; i--)
            {
                alpha[i] = s[i].dot(q).item<double>() / y[i].dot(s[i]).item<double>();
                using (var a = (-alpha[i]).ToScalar()) q.add_(y[i], a);
            }
            if (s.Count > 0)
                using (var gamma = (s[^1].dot(y[^1]).item<double>() / y[^1].dot(y[^1]).item<double>()).ToScalar()) q.mul_(gamma);
            for (int i = 0; i < s.Count; i++)
            {
                double beta = y[i].dot(q).item<double>() / y[i].dot(s[i]).item<double>();
                using (var c = (alpha[i] - beta).ToScalar()) q.add_(s[i], c);
            }
            var d = q.neg();
            double slope = g.dot(d).item<double>();
            if (slope >= 0) { d = g.neg(); slope = -g.dot(g).item<double>(); s.Clear(); y.Clear(); }
            // Backtracking from the unit step (the natural quasi-Newton scale; the first step is scaled to the gradient).
            double step = s.Count == 0 ? Math.Min(1, 1 / Math.Sqrt(-slope)) : 1;
            Tensor xNew; double lossNew; Tensor gNew;
            while (true)
            {
                using (var t = step.ToScalar()) xNew = x.add(d, t);
                (lossNew, gNew) = f(xNew);
                if (lossNew <= loss + 1e-4 * step * slope || step < 1e-10) break;
                step *= 0.5;
            }
            var sk = xNew - x;
            var yk = gNew - g;
            if (yk.dot(sk).item<double>() > 1e-10)
            {
                s.Add(sk); y.Add(yk);
                if (s.Count > history) { s.RemoveAt(0); y.RemoveAt(0); }
            }
            // A loss that no longer moves in float64 is a stall (the line search found nothing): stop, unconverged
            // unless the gradient says otherwise.
            bool stalled = Math.Abs(loss - lossNew) <= 1e-14 * Math.Max(1, Math.Abs(loss));
            (x, loss, g) = (xNew, lossNew, gNew);
            gMax = g.abs().max().item<double>();
            if (stalled) { it++; break; }
        }
        return new LbfgsResult(x, it, gMax, gMax <= tolerance);
    }
}
