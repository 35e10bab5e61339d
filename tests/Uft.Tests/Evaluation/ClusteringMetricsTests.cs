using System.Text.Json;
using Uft.Evaluation;
using static TorchSharp.torch;

namespace Uft.Tests.Evaluation;

public class ClusteringMetricsTests
{
    [Fact]
    public void BCubedOnAHandMadeClustering()
    {
        // Cluster 0 = {a0, a1}, cluster 1 = {a2, b3, b4}; class a = {0,1,2}, class b = {3,4}.
        // Precision per item: 1, 1, 1/3, 2/3, 2/3 -> 11/15. Recall: 2/3, 2/3, 1/3, 1, 1 -> 11/15.
        var (p, r, f) = BCubed.Score([0, 0, 1, 1, 1], [0, 0, 0, 1, 1]);
        Assert.Equal(11.0 / 15, p, 12);
        Assert.Equal(11.0 / 15, r, 12);
        Assert.Equal(11.0 / 15, f, 12);
    }

    [Fact]
    public void BCubedOfOneBigClusterAndOfSingletons()
    {
        int[] labels = [0, 0, 0, 1];
        // One cluster: precision = (3 * 3/4 + 1 * 1/4) / 4 = 0.625, recall 1.
        var (p1, r1, f1) = BCubed.Score([7, 7, 7, 7], labels);
        Assert.Equal(0.625, p1, 12);
        Assert.Equal(1.0, r1, 12);
        Assert.Equal(2 * 0.625 / 1.625, f1, 12);
        // Singletons: precision 1, recall = (3 * 1/3 + 1) / 4 = 0.5.
        var (p2, r2, _) = BCubed.Score([0, 1, 2, 3], labels);
        Assert.Equal(1.0, p2, 12);
        Assert.Equal(0.5, r2, 12);
    }

    [Fact]
    public void NmiMatchesScikitLearn()
    {
        var reference = Reference();
        foreach (var c in reference.GetProperty("nmi_cases").EnumerateArray())
        {
            var a = c.GetProperty("a").Deserialize<int[]>()!;
            var b = c.GetProperty("b").Deserialize<int[]>()!;
            Assert.Equal(c.GetProperty("nmi").GetDouble(), Nmi.Compute(a, b), 1e-6);
            Assert.Equal(Nmi.Compute(a, b), Nmi.Compute(b, a), 12);
        }
        Assert.Equal(1.0, Nmi.Compute([0, 0, 0], [5, 5, 5]));
        Assert.Equal(0.0, Nmi.Compute([0, 0, 1, 1], [0, 1, 0, 1]), 12);
    }

    [Fact]
    public void KMeansRecoversSeparatedBlobsWithScikitLearnsInertia()
    {
        var reference = Reference();
        var rows = reference.GetProperty("blobs").Deserialize<double[][]>()!;
        var labels = reference.GetProperty("blob_labels").Deserialize<int[]>()!;
        using var x = tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]);
        var (assign, centroids, inertia) = KMeans.Fit(x, k: 4, restarts: 10, seed: 0, maxIter: 300);
        using (centroids)
        {
            Assert.Equal(new long[] { 4, 8 }, centroids.shape);
            Assert.Equal(1.0, Nmi.Compute(assign, labels), 12);
            Assert.Equal(1.0, BCubed.Score(assign, labels).Precision, 12);
            Assert.Equal(1.0, Nmi.Compute(assign, reference.GetProperty("kmeans_labels").Deserialize<int[]>()!), 12);
            Assert.Equal(reference.GetProperty("kmeans_inertia").GetDouble(), inertia, 1e-6);
        }
    }

    [Fact]
    public void KMeansInertiaIsTheSumOfSquaredDistancesToAssignedCentroids()
    {
        using var x = tensor(new double[] { 0, 0, 0, 2, 10, 0, 10, 4 }, [4, 2]);
        var (assign, centroids, inertia) = KMeans.Fit(x, k: 2, restarts: 3, seed: 1);
        using (centroids)
        {
            Assert.Equal(assign[0], assign[1]);
            Assert.Equal(assign[2], assign[3]);
            Assert.NotEqual(assign[0], assign[2]);
            // Centres (0,1) and (10,2): 1 + 1 + 4 + 4.
            Assert.Equal(10.0, inertia, 9);
        }
    }

    [Fact]
    public void KMeansRejectsMoreClustersThanPoints()
    {
        using var x = zeros(3, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => KMeans.Fit(x, k: 4));
    }

    static JsonElement Reference() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Paths.Fixtures, "eval", "sklearn_reference.json"))).RootElement;
}
